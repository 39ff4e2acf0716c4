//! The DataLoader's async iterator: a TensorDataset's next batch is gathered
//! on napi's thread pool while JavaScript trains on the current one.
use crate::error::to_js;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::hold::{hold, Hold, HoldGuard};

pub struct GatherTask {
    tensors: Vec<tch::Tensor>,
    indices: Vec<i64>,
    result: Option<torchts_core::Result<Vec<tch::Tensor>>>,
    /// The dataset's tensors, read-only until the task settles (dropped on the JS thread).
    _holds: HoldGuard,
}

impl Task for GatherTask {
    type Output = ();
    type JsValue = Vec<Tensor>;

    fn compute(&mut self) -> Result<()> {
        torchts_core::runtime::use_background_threads();
        self.result = Some(torchts_core::data::gather_rows(
            &self.tensors,
            &self.indices,
        ));
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<Vec<Tensor>> {
        match self.result.take().expect("compute ran") {
            Ok(out) => Ok(out.into_iter().map(Tensor::new).collect()),
            Err(e) => Err(to_js(e)),
        }
    }
}

/// Starts gathering `tensors[k][indices]` for every k (a TensorDataset batch
/// as default_collate stacks it) on the thread pool.
#[napi(ts_return_type = "Promise<Array<Tensor>>", catch_unwind)]
pub fn gather_rows_async(
    tensors: Vec<&Tensor>,
    indices: Vec<i64>,
) -> Result<AsyncTask<GatherTask>> {
    let tensors = tensors
        .into_iter()
        .map(|t| t.get().map(|t| t.shallow_clone()))
        .collect::<Result<Vec<_>>>()?;
    let holds = hold(tensors.iter(), Hold::Shared);
    Ok(AsyncTask::new(GatherTask {
        tensors,
        indices,
        result: None,
        _holds: holds,
    }))
}
