//! The op torch.optim.LBFGS needs that the tensor API lacks; the optimizer
//! itself is TypeScript (ts/optim/lbfgs.ts).
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::hold::{self, Access};

/// `tensor.add_(other, alpha=alpha)` with PyTorch's rounding (LBFGS's
/// `p.add_(d, alpha=t)` and its two-loop recursion).
#[napi(js_name = "addScaled_", catch_unwind)]
pub fn add_scaled_(tensor: &Tensor, other: &Tensor, alpha: f64) -> Result<()> {
    let inner = tensor.get()?;
    hold::check(inner, Access::Write, "change it in place").or_throw()?;
    let mut target = inner.shallow_clone();
    torchts_core::lbfgs::add_scaled_(&mut target, other.get()?, alpha).or_throw()
}
