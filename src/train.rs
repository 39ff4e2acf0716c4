//! Fused training: a Sequential of built-in layers, a loss and an optimizer
//! trained entirely in Rust, synchronously (`fit`) or on napi's thread pool
//! (`fitAsync`) with progress through a thread-safe callback.
use crate::error::{invalid, to_js, OrThrow};
use crate::functional::{make_loss, LossOptions};
use crate::optim::{Engine, NativeOptimizer};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use torchts_core::nn::{Layer, Loss, Sequential};
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
        Self { epoch: r.epoch as u32, train_loss: r.train_loss, train_accuracy: r.train_accuracy, test_loss: r.test_loss, test_accuracy: r.test_accuracy }
    }
}

/// What `fit` needs, in the order the TS layer flattens a model:
/// `layers` like ["linear", "relu", "linear_nobias", "dropout:0.5", "flatten:1:-1"],
/// and `params` holding each linear layer's weight then bias.
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

fn build_model(layers: &[String], params: &[&Tensor]) -> Result<Sequential> {
    let mut next = params.iter();
    let mut take = |what: &str| -> Result<tch::Tensor> {
        next.next().ok_or_else(|| invalid(format!("missing {what} tensor for a linear layer")))?.get().map(|t| t.shallow_clone())
    };
    let mut out = Vec::with_capacity(layers.len());
    for spec in layers {
        let mut parts = spec.split(':');
        let layer = match parts.next().unwrap_or("") {
            "linear" => Layer::Linear { weight: take("weight")?, bias: Some(take("bias")?) },
            "linear_nobias" => Layer::Linear { weight: take("weight")?, bias: None },
            "relu" => Layer::ReLU,
            "sigmoid" => Layer::Sigmoid,
            "tanh" => Layer::Tanh,
            "identity" => Layer::Identity,
            "dropout" => Layer::Dropout { p: parts.next().and_then(|p| p.parse().ok()).ok_or_else(|| invalid("dropout needs p"))? },
            "flatten" => {
                let start = parts.next().and_then(|p| p.parse().ok()).unwrap_or(1);
                let end = parts.next().and_then(|p| p.parse().ok()).unwrap_or(-1);
                Layer::Flatten { start_dim: start, end_dim: end }
            }
            other => return Err(invalid(format!("layer '{other}' cannot be fused"))),
        };
        out.push(layer);
    }
    Ok(Sequential { layers: out })
}

fn config(o: &FitOptions) -> FitConfig {
    FitConfig { epochs: o.epochs as usize, batch_size: o.batch_size, shuffle: o.shuffle.unwrap_or(true), evaluate: o.evaluate.unwrap_or(true), stop: None }
}

fn split(x: &Tensor, y: &Tensor) -> Result<Split> {
    Ok(Split { x: x.get()?.shallow_clone(), y: y.get()?.shallow_clone() })
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
    let result = core_fit(&model, &loss, optimizer.engine()?.as_dyn(), &train, test.as_ref(), &cfg, &mut |r| {
        let Some(cb) = &on_epoch else { return true };
        match cb.call(FitRecord::from(r)) {
            Ok(keep_going) => keep_going != Some(false),
            Err(e) => {
                callback_error = Some(e);
                false
            }
        }
    });
    if let Some(e) = callback_error {
        return Err(e);
    }
    Ok(result.or_throw()?.iter().map(FitRecord::from).collect())
}

/// Lets JS stop a background fit (AbortSignal) between epochs.
#[napi]
pub struct FitHandle {
    cancelled: Arc<AtomicBool>,
}

#[napi]
impl FitHandle {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        Self { cancelled: Arc::new(AtomicBool::new(false)) }
    }

    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
}

impl Default for FitHandle {
    fn default() -> Self {
        Self::new()
    }
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
        let mut engine = self.engine.take().expect("engine present during compute");
        let cancelled = self.cancelled.clone();
        let progress = self.progress.clone();
        let result = core_fit(&self.model, &self.loss, engine.as_dyn(), &self.train, self.test.as_ref(), &self.config, &mut |r| {
            if let Some(p) = &progress {
                p.call(FitRecord::from(r), ThreadsafeFunctionCallMode::NonBlocking);
            }
            !cancelled.load(Ordering::SeqCst)
        });
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
        let FitTask { engine, mut optimizer, .. } = self;
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
        handle: &FitHandle,
        on_epoch: Option<Arc<Progress>>,
    ) -> Result<AsyncTask<FitTask>> {
        let model = build_model(&options.layers, &params)?;
        let loss = make_loss(&options.loss, options.loss_options.clone(), weight, None)?;
        let train = split(x_train, y_train)?;
        let test = match (x_test, y_test) {
            (Some(x), Some(y)) => Some(split(x, y)?),
            _ => None,
        };
        let engine = self.inner.take().ok_or_else(|| invalid("optimizer is busy: a background task (fitAsync) is using it"))?;
        let config = FitConfig { stop: Some(handle.cancelled.clone()), ..config(&options) };
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
