//! torchts engine on tch: the PyTorch-exact pieces the Node bindings expose.
//! Nothing here knows about napi; everything is testable with `cargo test`.
pub mod autograd;
pub mod error;
pub mod inference;
pub mod init;
pub mod kind;
pub mod nn;
pub mod optim;
pub mod runtime;
pub mod train;

pub use error::{Error, Result};
pub use tch;
