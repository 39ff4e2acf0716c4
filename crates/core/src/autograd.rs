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
/// `type(t.grad_fn).__name__`, `MulBackward0`), or None for leaves.
pub fn grad_fn_name(t: &Tensor) -> Result<Option<String>> {
    let mut name = std::ptr::null_mut();
    crate::shim::check(unsafe { crate::shim::tts_grad_fn_name(t.as_ptr().cast_mut(), &mut name) })?;
    Ok((!name.is_null()).then(|| unsafe { crate::shim::take_string(name) }))
}

/// `t.grad = None`, as PyTorch 2's `zero_grad()` leaves every gradient
/// (`set_to_none=True`): the next backward that does not reach `t` leaves it
/// None, and optimizers skip it.
pub fn set_grad_to_none(t: &Tensor) -> Result<()> {
    crate::shim::check(unsafe { crate::shim::tts_set_grad_to_none(t.as_ptr().cast_mut()) })
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
        super::set_grad_to_none(&p).unwrap();
        assert!(!p.grad().defined());
        assert_eq!(
            Vec::<f32>::try_from(&old).unwrap(),
            vec![3.0, 3.0],
            "the old grad lives on where held"
        );
        (&p * 2.0).sum(Kind::Float).backward();
        assert_eq!(Vec::<f32>::try_from(&p.grad()).unwrap(), vec![2.0, 2.0]);
        let untouched = Tensor::zeros([2], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        super::set_grad_to_none(&untouched).unwrap();
        assert_eq!(super::grad_fn_name(&untouched).unwrap(), None);
        let made = &untouched * &untouched;
        assert_eq!(
            super::grad_fn_name(&made).unwrap().as_deref(),
            Some("MulBackward0")
        );
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
