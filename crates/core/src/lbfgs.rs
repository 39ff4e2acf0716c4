//! What torch.optim.LBFGS needs beyond the tensor API; its loop is
//! TypeScript (ts/optim/lbfgs.ts), one PyTorch op per call, as
//! torch/optim/lbfgs.py is Python.
use crate::Result;
use tch::Tensor;

/// `input.add_(other, alpha=alpha)` rounded as PyTorch rounds it: one fused
/// multiply-add, which pre-scaling `other` does not reproduce.
pub fn add_scaled_(input: &mut Tensor, other: &Tensor, alpha: f64) -> Result<()> {
    crate::optim::add_scaled_(input, other, alpha)
}
