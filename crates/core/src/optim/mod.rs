//! Optimizers with the update math of PyTorch-Python's default CPU path
//! (the single-tensor implementations in torch/optim/adam.py and sgd.py).
mod adam;
mod sgd;

pub use adam::{Adam, AdamConfig, AdamState};
pub use sgd::{Sgd, SgdConfig};

use crate::Result;
use tch::Tensor;

/// One native step over a parameter group.
pub trait Optimizer: Send {
    fn step(&mut self) -> Result<()>;
    fn params(&self) -> &[Tensor];

    /// `zero_grad()`: grads become zero (set_to_none is emulated by the caller).
    fn zero_grad(&mut self) {
        for p in self.params() {
            let mut g = p.grad();
            if g.defined() {
                let _ = g.detach_().zero_();
            }
        }
    }
}
