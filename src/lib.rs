//! napi-rs bindings for torchts: argument conversion and error mapping only;
//! the engine lives in `crates/core`, the PyTorch-shaped API in `ts/`.
#![deny(clippy::all)]

mod cancel;
mod creation;
mod error;
mod functional;
mod inference;
mod model;
mod optim;
mod runtime;
mod serialize;
mod tensor;
mod train;
