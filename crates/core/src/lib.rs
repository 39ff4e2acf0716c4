//! torchts engine on tch: the PyTorch-exact pieces the Node bindings expose.
//! napi appears only behind the `napi` feature (the specs JavaScript passes
//! in are derived there); everything is testable with `cargo test`.
pub mod aoti;
pub mod autograd;
pub mod data;
pub mod dispatch;
pub mod error;
pub mod generator;
pub mod hold;
pub mod indexing;
pub mod inference;
pub mod init;
pub mod jit;
pub mod kind;
pub mod lbfgs;
pub mod loss;
pub mod memory;
pub mod nn;
pub mod optim;
pub mod runtime;
pub mod scalar;
mod shim;
pub mod storage;
pub mod train;

pub use error::{Error, Result};

/// Tests that seed or draw from libtorch's global generator hold this, so
/// cargo's parallel test threads do not interleave their draws.
#[cfg(test)]
pub(crate) fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());
    RNG.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
pub use tch;
