//! napi-rs bindings for torchts: argument conversion and error mapping only;
//! the engine lives in `crates/core`, the PyTorch-shaped API in `ts/`.
#![deny(clippy::all)]

mod aoti;
mod attention;
mod autograd;
mod cancel;
mod creation;
mod data;
mod dispatch;
mod error;
mod functional;
mod generator;
mod indexing;
mod inference;
mod init;
mod jit;
mod lbfgs;
mod loss;
mod model;
mod optim;
mod rnn;
mod runtime;
mod serialize;
mod storage;
mod tensor;
mod train;

/// Asks Node for Node-API's experimental version, under which finalizers run
/// inside garbage collection instead of waiting for the event loop: without
/// it a synchronous loop keeps every dropped tensor's memory until it yields
/// (200k small ops grew RSS by ~1 GiB). Our finalizers only do native work
/// (free the tensor, adjust V8's external-memory count, delete the wrap's
/// reference), which is what Node allows inside GC (Node >= 20.10).
#[no_mangle]
pub extern "C" fn node_api_module_get_api_version_v1() -> i32 {
    i32::MAX // NAPI_VERSION_EXPERIMENTAL
}
