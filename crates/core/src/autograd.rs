//! `Tensor.backward(gradient, retain_graph)`: tch exposes backward without
//! `retain_graph`, so call libtorch's entry point directly.
use crate::{Error, Result};
use tch::Tensor;

fn last_libtorch_error() -> Result<()> {
    let ptr = unsafe { torch_sys::get_and_reset_last_err() };
    if ptr.is_null() {
        return Ok(());
    }
    let text = unsafe { std::ffi::CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned();
    unsafe { libc::free(ptr as *mut libc::c_void) };
    Err(tch::TchError::Torch(text).into())
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

#[cfg(test)]
mod tests {
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
