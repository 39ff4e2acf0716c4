//! `Tensor.backward(gradient, retain_graph)`: tch exposes backward without
//! `retain_graph`, so call libtorch's entry point directly. And the name of
//! the autograd node that made a tensor (`grad_fn`).
use crate::{Error, Result};
use tch::Tensor;

fn last_libtorch_error() -> Result<()> {
    match crate::error::take_libtorch_error() {
        Some(text) => Err(tch::TchError::Torch(text).into()),
        None => Ok(()),
    }
}

/// Accumulates gradients into the leaves, like `t.backward(gradient, retain_graph)`.
/// With a gradient, backpropagates `(t * gradient).sum()`, whose gradient
/// with respect to `t` is exactly `gradient`.
pub fn backward(t: &Tensor, gradient: Option<&Tensor>, retain_graph: bool) -> Result<()> {
    if !t.requires_grad() {
        return Err(Error::invalid(
            "element 0 of tensors does not require grad and does not have a grad_fn",
        ));
    }
    let root = match gradient {
        Some(g) => {
            if g.size() != t.size() {
                let size = |s: Vec<i64>| {
                    format!(
                        "torch.Size([{}])",
                        s.iter()
                            .map(|d| d.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(Error::invalid(format!(
                    "Mismatch in shape: grad_output[0] has a shape of {} and output[0] has a shape of {}.",
                    size(g.size()),
                    size(t.size())
                )));
            }
            t.f_mul(g)?.f_sum(t.kind())?
        }
        None if t.numel() != 1 => {
            return Err(Error::invalid(
                "grad can be implicitly created only for scalar outputs",
            ));
        }
        None => t.shallow_clone(),
    };
    unsafe { torch_sys::at_backward(root.as_ptr() as *mut _, retain_graph as i32, 0) };
    last_libtorch_error()
}

/// The class name of the autograd node that made `t` (PyTorch's
/// `type(t.grad_fn).__name__`), or None for leaves. libtorch has no C entry
/// point for it, so this reads the node's C++ type name: under the Itanium
/// ABI (Linux, macOS) the vtable slot before the first virtual function
/// holds the typeinfo, whose second word is the mangled class name.
#[cfg(not(target_env = "msvc"))]
pub fn grad_fn_name(t: &Tensor) -> Option<String> {
    use std::ffi::{c_char, c_void, CStr};
    extern "C" {
        /// torch::autograd::impl::grad_fn_unsafe(const at::Tensor&) -> Node*
        #[link_name = "_ZN5torch8autograd4impl14grad_fn_unsafeERKN2at6TensorE"]
        fn grad_fn_unsafe(t: *const c_void) -> *const c_void;
    }
    let node = unsafe { grad_fn_unsafe(t.as_ptr().cast()) };
    if node.is_null() {
        return None;
    }
    let mangled = unsafe {
        let vtable = *(node as *const *const *const c_void);
        let typeinfo = *vtable.offset(-1) as *const *const c_char;
        CStr::from_ptr(*typeinfo.add(1))
    };
    Some(
        last_mangled_name(&mangled.to_string_lossy())
            .unwrap_or("unknown")
            .to_string(),
    )
}

#[cfg(target_env = "msvc")]
pub fn grad_fn_name(t: &Tensor) -> Option<String> {
    if t.is_leaf() {
        None
    } else {
        Some("unknown".into())
    }
}

/// "N5torch8autograd9generated12MulBackward0E" -> "MulBackward0".
pub fn last_mangled_name(mangled: &str) -> Option<&str> {
    let mut rest = mangled.strip_prefix('N').unwrap_or(mangled);
    let mut last = None;
    while let Some(digits) = rest.find(|c: char| !c.is_ascii_digit()).filter(|&n| n > 0) {
        let len: usize = rest[..digits].parse().ok()?;
        last = Some(rest.get(digits..digits + len)?);
        rest = &rest[digits + len..];
    }
    last
}

/// `t.grad = None`, as PyTorch 2's `zero_grad()` leaves every gradient
/// (`set_to_none=True`): the next backward that does not reach `t` leaves it
/// None, and optimizers skip it. libtorch's C API has no entry for it, so
/// this swaps the slot `c10::TensorImpl::mutable_grad()` returns (one
/// `at::Tensor`, a single intrusive pointer) with an undefined tensor, then
/// drops that, which releases the old gradient; it is what Python's
/// `t.grad = None` does (`mutable_grad().reset()`).
#[cfg(not(target_env = "msvc"))]
pub fn set_grad_to_none(t: &Tensor) {
    use std::ffi::c_void;
    extern "C" {
        /// c10::TensorImpl::mutable_grad() -> at::Tensor&
        #[link_name = "_ZN3c1010TensorImpl12mutable_gradEv"]
        fn mutable_grad(this: *mut c_void) -> *mut *mut c_void;
    }
    if !t.grad().defined() {
        return; // nothing to clear (and no autograd metadata to create)
    }
    let undefined = Tensor::new();
    // SAFETY: an at::Tensor is one intrusive_ptr<TensorImpl>, so its first
    // word is the TensorImpl; swapping two at::Tensor values' words moves
    // ownership without touching reference counts.
    unsafe {
        let tensor_impl = *(t.as_ptr() as *const *mut c_void);
        let slot = mutable_grad(tensor_impl);
        std::ptr::swap(slot, undefined.as_ptr() as *mut *mut c_void);
    }
    drop(undefined); // now holds the old gradient
}

/// Windows (MSVC) has other mangled names: the gradient is zeroed instead.
#[cfg(target_env = "msvc")]
pub fn set_grad_to_none(t: &Tensor) {
    let mut g = t.grad();
    if g.defined() {
        let _ = g.detach_().zero_();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn grad_set_to_none_is_undefined_and_backward_makes_a_new_one() {
        use tch::{Device, Kind, Tensor};
        let p = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
        (&p * 3.0).sum(Kind::Float).backward();
        let old = p.grad();
        assert_eq!(Vec::<f32>::try_from(&old).unwrap(), vec![3.0, 3.0]);
        super::set_grad_to_none(&p);
        assert!(!p.grad().defined());
        assert_eq!(
            Vec::<f32>::try_from(&old).unwrap(),
            vec![3.0, 3.0],
            "the old grad lives on where held"
        );
        (&p * 2.0).sum(Kind::Float).backward();
        assert_eq!(Vec::<f32>::try_from(&p.grad()).unwrap(), vec![2.0, 2.0]);
        let untouched = Tensor::zeros([2], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        super::set_grad_to_none(&untouched);
        assert!(!untouched.grad().defined());
    }

    use super::*;
    use tch::Kind;

    #[test]
    fn gradient_argument_and_retained_graph() {
        let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).set_requires_grad(true);
        let y = &x * &x;
        backward(&y, Some(&Tensor::from_slice(&[1.0f32, 0.5, 0.0])), true).unwrap();
        let g: Vec<f32> = x.grad().try_into().unwrap();
        assert_eq!(g, vec![2.0, 2.0, 0.0]);
        // the graph was retained, so a second pass accumulates
        backward(&y.sum(Kind::Float), None, false).unwrap();
        let g: Vec<f32> = x.grad().try_into().unwrap();
        assert_eq!(g, vec![4.0, 6.0, 6.0]);
        // and now it is freed: libtorch's error comes back as an Err
        let err = backward(&y.sum(Kind::Float), None, false).unwrap_err();
        assert!(
            err.to_string()
                .contains("backward through the graph a second time"),
            "{err}"
        );
        assert!(backward(&y, None, false)
            .unwrap_err()
            .to_string()
            .contains("scalar outputs"));
    }
}
