//! torch.export packages: AOTInductor `.pt2` files run through the engine's
//! `aoti::AotiPackage`.
use crate::error::{to_js, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::sync::Arc;
use torchts_core::aoti::AotiPackage;
use torchts_core::hold::{hold, Hold, HoldGuard};

/// A loaded package (ts/export/aoti_package.ts wraps it).
#[napi]
pub struct NativeAotiPackage {
    inner: Arc<AotiPackage>,
}

pub struct RunTask {
    package: Arc<AotiPackage>,
    inputs: Vec<tch::Tensor>,
    result: Option<torchts_core::Result<Vec<tch::Tensor>>>,
    /// The inputs are read-only until the task is dropped (on the JS thread).
    _holds: HoldGuard,
}

impl Task for RunTask {
    type Output = ();
    type JsValue = Vec<Tensor>;

    fn compute(&mut self) -> Result<()> {
        torchts_core::runtime::use_background_threads();
        self.result = Some(self.package.run(&self.inputs));
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<Vec<Tensor>> {
        match self.result.take().expect("compute ran") {
            Ok(out) => Ok(out.into_iter().map(Tensor::new).collect()),
            Err(e) => Err(to_js(e)),
        }
    }
}

#[napi]
impl NativeAotiPackage {
    /// `torch._inductor.aoti_load_package(path)`.
    #[napi(factory, catch_unwind)]
    pub fn load(path: String, model_name: String, num_runners: u32) -> Result<Self> {
        let package = AotiPackage::load(&path, &model_name, num_runners as usize).or_throw()?;
        Ok(Self {
            inner: Arc::new(package),
        })
    }

    /// Runs the model on this thread.
    #[napi(catch_unwind)]
    pub fn run(&self, inputs: Vec<&Tensor>) -> Result<Vec<Tensor>> {
        let inputs = inputs
            .into_iter()
            .map(|t| t.get().map(|t| t.shallow_clone()))
            .collect::<Result<Vec<_>>>()?;
        let out = self.inner.run(&inputs).or_throw()?;
        Ok(out.into_iter().map(Tensor::new).collect())
    }

    /// Runs the model on napi's thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<Tensor>>")]
    pub fn run_async(&self, inputs: Vec<&Tensor>) -> Result<AsyncTask<RunTask>> {
        let inputs = inputs
            .into_iter()
            .map(|t| t.get().map(|t| t.shallow_clone()))
            .collect::<Result<Vec<_>>>()?;
        let holds = hold(inputs.iter(), Hold::Shared);
        Ok(AsyncTask::new(RunTask {
            package: self.inner.clone(),
            inputs,
            result: None,
            _holds: holds,
        }))
    }

    /// The package's metadata as [key, value] pairs, sorted by key.
    #[napi(catch_unwind)]
    pub fn metadata(&self) -> Result<Vec<Vec<String>>> {
        let pairs = self.inner.metadata().or_throw()?;
        Ok(pairs.into_iter().map(|(k, v)| vec![k, v]).collect())
    }
}
