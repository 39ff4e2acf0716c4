//! Fused training: a Sequential of built-in layers, a loss and an optimizer
//! trained entirely in Rust, synchronously (`fit`) or on napi's thread pool
//! (`fitAsync`) with progress through a thread-safe callback.
use crate::cancel::CancelHandle;
use crate::error::{invalid, to_js, OrThrow};
use crate::functional::make_loss;
use crate::model::build_model;
use crate::optim::{Engine, NativeOptimizer};
use crate::tensor::{Tensor, TensorArg};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use torchts_core::nn::{LayerSpec, Loss, LossSpec, Sequential};
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

/// Everything a fit trains on, as one object from JavaScript.
#[napi(object, object_to_js = false)]
pub struct FitArgs {
    pub layers: Vec<LayerSpec>,
    /// Every layer's parameters, in order (a Linear: weight, then bias).
    #[napi(ts_type = "Tensor[]")]
    pub params: Vec<TensorArg>,
    pub loss: LossSpec,
    /// The loss's class weights (CrossEntropy, NLL).
    #[napi(ts_type = "Tensor")]
    pub weight: Option<TensorArg>,
    #[napi(ts_type = "Tensor")]
    pub x_train: TensorArg,
    #[napi(ts_type = "Tensor")]
    pub y_train: TensorArg,
    #[napi(ts_type = "Tensor")]
    pub x_test: Option<TensorArg>,
    #[napi(ts_type = "Tensor")]
    pub y_test: Option<TensorArg>,
    pub epochs: u32,
    pub batch_size: Option<i64>,
    /// @default true
    pub shuffle: Option<bool>,
    /// @default true
    pub evaluate: Option<bool>,
}

/// The engine's pieces of a fit, built from its arguments.
struct Prepared {
    model: Sequential,
    loss: Loss,
    train: Split,
    test: Option<Split>,
    config: FitConfig,
}

fn split(x: &Tensor, y: &Tensor) -> Result<Split> {
    Ok(Split {
        x: x.get()?.shallow_clone(),
        y: y.get()?.shallow_clone(),
    })
}

fn prepare(args: FitArgs) -> Result<Prepared> {
    let test = match (&args.x_test, &args.y_test) {
        (Some(x), Some(y)) => Some(split(x, y)?),
        (None, None) => None,
        _ => return Err(invalid("fit: give both xTest and yTest, or neither")),
    };
    Ok(Prepared {
        model: build_model(args.layers, args.params.iter().map(|p| &**p))?,
        loss: make_loss(args.loss, args.weight.as_deref(), None)?,
        train: split(&args.x_train, &args.y_train)?,
        test,
        config: FitConfig {
            epochs: args.epochs as usize,
            batch_size: args.batch_size,
            shuffle: args.shuffle.unwrap_or(true),
            evaluate: args.evaluate.unwrap_or(true),
            stop: None,
        },
    })
}

/// Trains in one native call; `on_epoch(record)` returning false stops early.
#[napi(catch_unwind)]
pub fn fit(
    optimizer: &mut NativeOptimizer,
    args: FitArgs,
    on_epoch: Option<Function<FitRecord, Option<bool>>>,
) -> Result<Vec<FitRecord>> {
    let p = prepare(args)?;
    let mut callback_error = None;
    let result = core_fit(
        &p.model,
        &p.loss,
        optimizer.engine()?.as_dyn(),
        &p.train,
        p.test.as_ref(),
        &p.config,
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
    pub fn fit_async(
        &mut self,
        this: Reference<NativeOptimizer>,
        args: FitArgs,
        handle: &CancelHandle,
        on_epoch: Option<Arc<Progress>>,
    ) -> Result<AsyncTask<FitTask>> {
        let p = prepare(args)?;
        let engine = self.inner.take().ok_or_else(|| invalid("optimizer is busy: a background task (fitAsync) is using it; await it or abort it first"))?;
        Ok(AsyncTask::new(FitTask {
            model: p.model,
            loss: p.loss,
            engine: Some(engine),
            train: p.train,
            test: p.test,
            config: FitConfig {
                stop: Some(handle.cancelled.clone()),
                ..p.config
            },
            cancelled: handle.cancelled.clone(),
            progress: on_epoch,
            optimizer: this,
            result: None,
        }))
    }
}
