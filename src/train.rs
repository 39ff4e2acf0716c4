//! Training through the engine's one loop (`torchts_core::train::fit`):
//! synchronously (`fit`), where any of the model, loss and optimizer may be
//! JavaScript called back on this thread, or on napi's thread pool
//! (`fitAsync`, engine parts only) with progress through a thread-safe
//! callback.
use crate::cancel::CancelHandle;
use crate::error::{invalid, to_js, OrThrow};
use crate::loss::make_loss;
use crate::model::build_model;
use crate::optim::{Engine, NativeOptimizer};
use crate::tensor::{Tensor, TensorArg};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use torchts_core::hold::{hold, Hold, HoldGuard};
use torchts_core::loss::{Loss, LossSpec};
use torchts_core::nn::{LayerSpec, Sequential};
use torchts_core::train::{
    fit as core_fit, Criterion, EpochRecord, FitConfig, Model, Split, Stepper,
};
use torchts_core::Error as CoreError;

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

/// Everything a fit trains on, as one object from JavaScript. Without
/// `layers` the model is `FitHooks.forward`; without `loss`, `FitHooks.loss`.
#[napi(object, object_to_js = false)]
pub struct FitArgs {
    pub layers: Option<Vec<LayerSpec>>,
    /// Every layer's parameters, in order (a Linear: weight, then bias).
    #[napi(ts_type = "Tensor[]")]
    pub params: Option<Vec<TensorArg>>,
    pub loss: Option<LossSpec>,
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

type ForwardHook<'a> = Function<'a, FnArgs<(Tensor, bool)>, Option<TensorArg>>;
type LossHook<'a> = Function<'a, FnArgs<(Tensor, Tensor)>, Option<TensorArg>>;

/// The parts of a synchronous fit written in JavaScript. Each returns null
/// (or false) when it threw; the caller keeps what was thrown and rethrows it.
#[napi(object, object_to_js = false)]
pub struct FitHooks<'a> {
    /// The model, when `FitArgs.layers` is absent.
    #[napi(ts_type = "(x: Tensor, training: boolean) => Tensor | null")]
    pub forward: Option<ForwardHook<'a>>,
    /// The loss, when `FitArgs.loss` is absent.
    #[napi(ts_type = "(output: Tensor, target: Tensor) => Tensor | null")]
    pub loss: Option<LossHook<'a>>,
    /// Whether that loss is a classification loss (epochs then report accuracy).
    pub is_classification: Option<bool>,
    /// The optimizer, when no engine optimizer is given.
    #[napi(ts_type = "() => boolean")]
    pub zero_grad: Option<Function<'a, (), bool>>,
    #[napi(ts_type = "() => boolean")]
    pub step: Option<Function<'a, (), bool>>,
    /// Sees each epoch's record; false stops the fit (not an error).
    #[napi(ts_type = "(record: FitRecord) => boolean")]
    pub on_epoch: Option<Function<'a, FitRecord, bool>>,
}

/// The engine's pieces of a fit, built from its arguments.
struct Prepared {
    model: Option<Sequential>,
    loss: Option<Loss>,
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
    let params = args.params.unwrap_or_default();
    let model = match args.layers {
        Some(layers) => Some(build_model(layers, params.iter().map(|p| &**p))?),
        None => None,
    };
    let loss = match args.loss {
        Some(spec) => Some(make_loss(spec, args.weight.as_deref(), None)?),
        None => None,
    };
    Ok(Prepared {
        model,
        loss,
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

/// Calls into JavaScript from inside the engine's loop: each call gets its
/// own handle scope (a fit makes millions of calls; handles would otherwise
/// live until it returns), and a failure stops the loop with the napi error
/// kept for the caller.
struct Js<'a> {
    env: sys::napi_env,
    hooks: &'a FitHooks<'a>,
    failure: RefCell<Option<Error>>,
}

impl Js<'_> {
    fn call<T>(
        &self,
        what: &str,
        f: impl FnOnce() -> Result<Option<T>>,
    ) -> torchts_core::Result<T> {
        let mut scope = std::ptr::null_mut();
        // SAFETY: on the JS thread, inside the fit call; nothing created in
        // the scope is used after it closes (tensors are shallow-cloned out).
        unsafe { sys::napi_open_handle_scope(self.env, &mut scope) };
        let result = f();
        unsafe { sys::napi_close_handle_scope(self.env, scope) };
        match result {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(CoreError::Callback(format!("{what} threw"))),
            Err(e) => {
                let message = e.reason.clone();
                self.failure.borrow_mut().get_or_insert(e);
                Err(CoreError::Callback(format!("{what}: {message}")))
            }
        }
    }

    fn tensor(t: &TensorArg) -> Result<tch::Tensor> {
        t.get().map(|t| t.shallow_clone())
    }
}

struct JsModel<'a>(&'a Js<'a>);

impl Model for JsModel<'_> {
    fn forward(&self, x: &tch::Tensor, training: bool) -> torchts_core::Result<tch::Tensor> {
        let forward = self.0.hooks.forward.as_ref().expect("forward hook checked");
        self.0.call("forward", || {
            let args = FnArgs::from((Tensor::new(x.shallow_clone()), training));
            forward.call(args)?.map(|t| Js::tensor(&t)).transpose()
        })
    }
}

struct JsLoss<'a>(&'a Js<'a>);

impl Criterion for JsLoss<'_> {
    fn forward_unchecked(
        &self,
        out: &tch::Tensor,
        target: &tch::Tensor,
    ) -> torchts_core::Result<tch::Tensor> {
        let loss = self.0.hooks.loss.as_ref().expect("loss hook checked");
        self.0.call("loss", || {
            let args = FnArgs::from((
                Tensor::new(out.shallow_clone()),
                Tensor::new(target.shallow_clone()),
            ));
            loss.call(args)?.map(|t| Js::tensor(&t)).transpose()
        })
    }
    /// A JavaScript loss checks its own targets.
    fn check_targets(&self, _out: &tch::Tensor, _target: &tch::Tensor) -> torchts_core::Result<()> {
        Ok(())
    }
    fn is_classification(&self) -> bool {
        self.0.hooks.is_classification.unwrap_or(false)
    }
    fn checks_targets_once(&self) -> bool {
        false
    }
}

struct JsOptimizer<'a>(&'a Js<'a>);

impl JsOptimizer<'_> {
    fn run(&self, what: &str, hook: &Option<Function<'_, (), bool>>) -> torchts_core::Result<()> {
        let hook = hook.as_ref().expect("optimizer hooks checked");
        self.0.call(what, || Ok(hook.call(())?.then_some(())))
    }
}

impl Stepper for JsOptimizer<'_> {
    fn zero_grad(&mut self) -> torchts_core::Result<()> {
        self.run("zeroGrad", &self.0.hooks.zero_grad)
    }
    fn step(&mut self) -> torchts_core::Result<()> {
        self.run("step", &self.0.hooks.step)
    }
}

fn missing(what: &str) -> Error {
    invalid(format!("fit: {what} is needed"))
}

/// Trains in one native call on this thread, through the engine's loop.
#[napi(catch_unwind)]
pub fn fit(
    env: Env,
    optimizer: Option<&mut NativeOptimizer>,
    args: FitArgs,
    hooks: FitHooks,
) -> Result<Vec<FitRecord>> {
    let p = prepare(args)?;
    let js = Js {
        env: env.raw(),
        hooks: &hooks,
        failure: RefCell::new(None),
    };
    let (js_model, js_loss) = (JsModel(&js), JsLoss(&js));
    let model: &dyn Model = match &p.model {
        Some(m) => m,
        None if hooks.forward.is_some() => &js_model,
        None => return Err(missing("layers or a forward hook")),
    };
    let loss: &dyn Criterion = match &p.loss {
        Some(l) => l,
        None if hooks.loss.is_some() => &js_loss,
        None => return Err(missing("a loss spec or a loss hook")),
    };
    let mut on_epoch = |r: &EpochRecord| {
        let Some(cb) = &hooks.on_epoch else {
            return true;
        };
        js.call("onEpoch", || cb.call(FitRecord::from(r)).map(Some))
            .unwrap_or(false)
    };
    let result = match optimizer {
        Some(o) => core_fit(
            model,
            loss,
            o.engine()?.as_dyn(),
            &p.train,
            p.test.as_ref(),
            &p.config,
            &mut on_epoch,
        ),
        None if hooks.zero_grad.is_some() && hooks.step.is_some() => {
            let mut stepper = JsOptimizer(&js);
            core_fit(
                model,
                loss,
                &mut stepper,
                &p.train,
                p.test.as_ref(),
                &p.config,
                &mut on_epoch,
            )
        }
        None => return Err(missing("an optimizer or zeroGrad and step hooks")),
    };
    if let Some(e) = js.failure.take() {
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
    /// The parameters and data, held exclusively until the task is dropped
    /// (on the JS thread, after `finally`).
    _holds: HoldGuard,
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
    /// Starts a fit on napi's thread pool. The engine moves into the task
    /// (this optimizer reports itself busy until the promise settles), and
    /// the model's parameters and the data are held exclusively. Spawned
    /// rather than returned as an AsyncTask: napi-rs would keep this call's
    /// `&mut self` borrow for the task's whole run and refuse even
    /// `isBusy()` with its own error.
    #[napi(ts_return_type = "Promise<FitRecord[]>", catch_unwind)]
    pub fn fit_async<'env>(
        &mut self,
        env: &'env Env,
        this: Reference<NativeOptimizer>,
        args: FitArgs,
        handle: &CancelHandle,
        on_epoch: Option<Arc<Progress>>,
    ) -> Result<PromiseRaw<'env, Vec<FitRecord>>> {
        let p = prepare(args)?;
        let data = [Some(&p.train), p.test.as_ref()];
        let data = data.into_iter().flatten().flat_map(|s| [&s.x, &s.y]);
        let model_tensors = p
            .model
            .iter()
            .flat_map(|m| m.layers.iter())
            .flat_map(|l| l.parameters());
        let holds = hold(model_tensors.chain(data), Hold::Exclusive);
        let (Some(model), Some(loss)) = (p.model, p.loss) else {
            return Err(invalid(
                "fitAsync runs engine layers and losses only (layers and loss are needed)",
            ));
        };
        let engine = self.inner.take().ok_or_else(|| invalid("optimizer is busy: a background task (fitAsync) is using it; await it or abort it first"))?;
        let task = FitTask {
            model,
            loss,
            engine: Some(engine),
            train: p.train,
            test: p.test,
            config: FitConfig {
                stop: Some(handle.cancelled.clone()),
                ..p.config
            },
            cancelled: handle.cancelled.clone(),
            progress: on_epoch,
            _holds: holds,
            optimizer: this,
            result: None,
        };
        Ok(env.spawn(task)?.promise_object())
    }
}
