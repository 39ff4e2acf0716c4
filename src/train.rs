//! Fused training: a Sequential of built-in layers, a loss and an optimizer
//! trained entirely in Rust, synchronously (`fit`) or on napi's thread pool
//! (`fitAsync`) with progress through a thread-safe callback.
use crate::cancel::CancelHandle;
use crate::error::{invalid, to_js, OrThrow};
use crate::functional::{make_loss, LossOptions};
use crate::model::build_model;
use crate::optim::{Engine, NativeOptimizer};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use torchts_core::nn::{Loss, Sequential};
use torchts_core::train::{fit as core_fit, EpochRecord, FitConfig, Split};

#[napi(object)]
#[derive(Clone)]
pub struct FitRecord {
    pub epoch: u32,
    pub train_loss: f64,
    pub train_accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
}

impl From<&EpochRecord> for FitRecord {
    fn from(r: &EpochRecord) -> Self {
        Self {
            epoch: r.epoch as u32,
            train_loss: r.train_loss,
            train_accuracy: r.train_accuracy,
            test_loss: r.test_loss,
            test_accuracy: r.test_accuracy,
        }
    }
}

/// What `fit` needs besides the tensors; `layers` as in `crate::model`.
#[napi(object)]
pub struct FitOptions {
    pub layers: Vec<String>,
    pub loss: String,
    pub loss_options: Option<LossOptions>,
    pub epochs: u32,
    pub batch_size: Option<i64>,
    /// @default true
    pub shuffle: Option<bool>,
    /// @default true
    pub evaluate: Option<bool>,
}

fn config(o: &FitOptions) -> FitConfig {
    FitConfig {
        epochs: o.epochs as usize,
        batch_size: o.batch_size,
        shuffle: o.shuffle.unwrap_or(true),
        evaluate: o.evaluate.unwrap_or(true),
        stop: None,
    }
}

fn split(x: &Tensor, y: &Tensor) -> Result<Split> {
    Ok(Split {
        x: x.get()?.shallow_clone(),
        y: y.get()?.shallow_clone(),
    })
}

/// Trains in one native call; `on_epoch(record)` returning false stops early.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn fit(
    optimizer: &mut NativeOptimizer,
    params: Vec<&Tensor>,
    x_train: &Tensor,
    y_train: &Tensor,
    x_test: Option<&Tensor>,
    y_test: Option<&Tensor>,
    options: FitOptions,
    weight: Option<&Tensor>,
    on_epoch: Option<Function<FitRecord, Option<bool>>>,
) -> Result<Vec<FitRecord>> {
    let model = build_model(&options.layers, &params)?;
    let loss = make_loss(&options.loss, options.loss_options.clone(), weight, None)?;
    let train = split(x_train, y_train)?;
    let test = match (x_test, y_test) {
        (Some(x), Some(y)) => Some(split(x, y)?),
        _ => None,
    };
    let cfg = config(&options);
    let mut callback_error = None;
    let result = core_fit(
        &model,
        &loss,
        optimizer.engine()?.as_dyn(),
        &train,
        test.as_ref(),
        &cfg,
        &mut |r| {
            let Some(cb) = &on_epoch else { return true };
            match cb.call(FitRecord::from(r)) {
                Ok(keep_going) => keep_going != Some(false),
                Err(e) => {
                    callback_error = Some(e);
                    false
                }
            }
        },
    );
    if let Some(e) = callback_error {
        return Err(e);
    }
    Ok(result.or_throw()?.iter().map(FitRecord::from).collect())
}

type Progress = ThreadsafeFunction<FitRecord, (), FitRecord, Status, false>;

pub struct FitTask {
    model: Sequential,
    loss: Loss,
    engine: Option<Engine>,
    train: Split,
    test: Option<Split>,
    config: FitConfig,
    cancelled: Arc<AtomicBool>,
    progress: Option<Arc<Progress>>,
    /// The JS optimizer gets its engine back when the task settles.
    optimizer: Reference<NativeOptimizer>,
    result: Option<torchts_core::Result<Vec<EpochRecord>>>,
}

// SAFETY: `optimizer` (a JS reference) is only touched in resolve/reject/finally,
// which napi runs on the JS thread; compute only uses the tch tensors (Send).
unsafe impl Send for FitTask {}

impl Task for FitTask {
    type Output = ();
    type JsValue = Vec<FitRecord>;

    fn compute(&mut self) -> Result<()> {
        torchts_core::runtime::use_background_threads();
        let mut engine = self.engine.take().expect("engine present during compute");
        let cancelled = self.cancelled.clone();
        let progress = self.progress.clone();
        let result = core_fit(
            &self.model,
            &self.loss,
            engine.as_dyn(),
            &self.train,
            self.test.as_ref(),
            &self.config,
            &mut |r| {
                if let Some(p) = &progress {
                    p.call(FitRecord::from(r), ThreadsafeFunctionCallMode::NonBlocking);
                }
                !cancelled.load(Ordering::SeqCst)
            },
        );
        self.engine = Some(engine);
        self.result = Some(result);
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<Vec<FitRecord>> {
        match self.result.take().expect("compute ran") {
            Ok(history) => Ok(history.iter().map(FitRecord::from).collect()),
            Err(e) => Err(to_js(e)),
        }
    }

    fn finally(self, _env: Env) -> Result<()> {
        let FitTask {
            engine,
            mut optimizer,
            ..
        } = self;
        optimizer.inner = engine;
        Ok(())
    }
}

#[napi]
impl NativeOptimizer {
    /// Starts a fit on napi's thread pool. This optimizer is unusable (busy)
    /// until the promise settles; the TS layer marks the tensors busy likewise.
    #[napi(ts_return_type = "Promise<FitRecord[]>", catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn fit_async(
        &mut self,
        this: Reference<NativeOptimizer>,
        params: Vec<&Tensor>,
        x_train: &Tensor,
        y_train: &Tensor,
        x_test: Option<&Tensor>,
        y_test: Option<&Tensor>,
        options: FitOptions,
        weight: Option<&Tensor>,
        handle: &CancelHandle,
        on_epoch: Option<Arc<Progress>>,
    ) -> Result<AsyncTask<FitTask>> {
        let model = build_model(&options.layers, &params)?;
        let loss = make_loss(&options.loss, options.loss_options.clone(), weight, None)?;
        let train = split(x_train, y_train)?;
        let test = match (x_test, y_test) {
            (Some(x), Some(y)) => Some(split(x, y)?),
            _ => None,
        };
        let engine = self.inner.take().ok_or_else(|| invalid("optimizer is busy: a background task (fitAsync) is using it; await it or abort it first"))?;
        let config = FitConfig {
            stop: Some(handle.cancelled.clone()),
            ..config(&options)
        };
        Ok(AsyncTask::new(FitTask {
            model,
            loss,
            engine: Some(engine),
            train,
            test,
            config,
            cancelled: handle.cancelled.clone(),
            progress: on_epoch,
            optimizer: this,
            result: None,
        }))
    }
}
