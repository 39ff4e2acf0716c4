//! `forwardAsync`: a model of built-in layers runs its forward pass on napi's
//! thread pool, so inference never blocks the event loop.
use crate::cancel::CancelHandle;
use crate::error::to_js;
use crate::model::build_model;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use torchts_core::hold::{hold, Hold, HoldGuard};
use torchts_core::inference::{forward, ForwardConfig};
use torchts_core::nn::{LayerSpec, Sequential};

#[napi(object)]
pub struct ForwardOptions {
    pub layers: Vec<LayerSpec>,
    pub training: bool,
    /// The caller's grad mode (grad mode is per thread in libtorch).
    pub grad_enabled: bool,
    pub batch_size: Option<i64>,
}

pub struct ForwardTask {
    model: Sequential,
    input: tch::Tensor,
    training: bool,
    grad_enabled: bool,
    batch_size: Option<i64>,
    cancelled: Arc<AtomicBool>,
    result: Option<torchts_core::Result<tch::Tensor>>,
    /// The parameters and the input, read-only until the task is dropped
    /// (on the JS thread, once it settles).
    _holds: HoldGuard,
}

impl Task for ForwardTask {
    type Output = ();
    type JsValue = Tensor;

    fn compute(&mut self) -> Result<()> {
        torchts_core::runtime::use_background_threads();
        let cfg = ForwardConfig {
            training: self.training,
            grad_enabled: self.grad_enabled,
            batch_size: self.batch_size,
            stop: Some(&self.cancelled),
        };
        self.result = Some(forward(&self.model, &self.input, &cfg));
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<Tensor> {
        match self.result.take().expect("compute ran") {
            Ok(out) => Ok(Tensor::new(out)),
            Err(e) => Err(to_js(e)),
        }
    }
}

/// Starts `model.forward(input)` on the thread pool. The task holds its own
/// references to the parameters and the input, so nothing it reads can be
/// freed under it, and holds their memory read-only until it settles.
#[napi(ts_return_type = "Promise<Tensor>", catch_unwind)]
pub fn forward_async(
    params: Vec<&Tensor>,
    input: &Tensor,
    options: ForwardOptions,
    handle: &CancelHandle,
) -> Result<AsyncTask<ForwardTask>> {
    let model = build_model(options.layers, params)?;
    let input = input.get()?.shallow_clone();
    let model_tensors = model.layers.iter().flat_map(|l| l.parameters());
    let holds = hold(model_tensors.chain([&input]), Hold::Shared);
    Ok(AsyncTask::new(ForwardTask {
        model,
        input,
        training: options.training,
        grad_enabled: options.grad_enabled,
        batch_size: options.batch_size,
        cancelled: handle.cancelled.clone(),
        result: None,
        _holds: holds,
    }))
}
