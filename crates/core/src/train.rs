//! The training loop, the only one: the tutorial's train step, then evaluation
//! of both splits under no_grad, every epoch. What it trains, minimizes and
//! steps are traits, so the engine's own Sequential, losses and optimizers
//! run it whole in Rust (fused, or on a background thread), and a model, loss
//! or optimizer written in JavaScript runs the same loop through callbacks:
//! eager and fused training give the same numbers by construction.
use crate::loss::Loss;
use crate::nn::Sequential;
use crate::optim::Optimizer;
use crate::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tch::{Kind, Tensor};

pub struct Split {
    pub x: Tensor,
    pub y: Tensor,
}

#[derive(Debug, Clone)]
pub struct FitConfig {
    pub epochs: usize,
    /// None: full batch, as the tutorial does.
    pub batch_size: Option<i64>,
    /// Reshuffle minibatches every epoch with libtorch's generator (randperm).
    pub shuffle: bool,
    /// Evaluate both splits after every epoch (the tutorial does).
    pub evaluate: bool,
    /// Set from outside (AbortSignal, process exit) to stop after the current
    /// minibatch; the epochs completed so far are the history.
    pub stop: Option<Arc<AtomicBool>>,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            epochs: 1,
            batch_size: None,
            shuffle: true,
            evaluate: true,
            stop: None,
        }
    }
}

impl FitConfig {
    fn stopped(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
}

/// What fit trains.
pub trait Model {
    fn forward(&self, x: &Tensor, training: bool) -> Result<Tensor>;
}

impl Model for Sequential {
    fn forward(&self, x: &Tensor, training: bool) -> Result<Tensor> {
        Sequential::forward(self, x, training)
    }
}

/// What fit minimizes.
pub trait Criterion {
    /// The loss of a batch whose targets `check_targets` accepted.
    fn forward_unchecked(&self, out: &Tensor, target: &Tensor) -> Result<Tensor>;
    /// Checks a split's targets once per fit (the engine's class-index check).
    fn check_targets(&self, out: &Tensor, target: &Tensor) -> Result<()>;
    /// Classification losses report accuracy (argmax over dim 1).
    fn is_classification(&self) -> bool;
    /// Whether fit should probe the model once to check the targets (a loss
    /// that checks its own targets at every call says no).
    fn checks_targets_once(&self) -> bool {
        self.is_classification()
    }
}

impl Criterion for Loss {
    fn forward_unchecked(&self, out: &Tensor, target: &Tensor) -> Result<Tensor> {
        Loss::forward_unchecked(self, out, target)
    }
    fn check_targets(&self, out: &Tensor, target: &Tensor) -> Result<()> {
        Loss::check_targets(self, out, target)
    }
    fn is_classification(&self) -> bool {
        Loss::is_classification(self)
    }
}

/// What fit steps: the engine's optimizers, or one driven from elsewhere.
pub trait Stepper {
    fn zero_grad(&mut self) -> Result<()>;
    fn step(&mut self) -> Result<()>;
}

impl<T: Optimizer + ?Sized> Stepper for T {
    fn zero_grad(&mut self) -> Result<()> {
        Optimizer::zero_grad(self);
        Ok(())
    }
    fn step(&mut self) -> Result<()> {
        Optimizer::step(self)
    }
}

/// Loss and accuracy of `model` on a split whose targets `check_targets` passed, without tracking gradients.
pub fn evaluate(
    model: &dyn Model,
    loss: &dyn Criterion,
    split: &Split,
) -> Result<(f64, Option<f64>)> {
    let _guard = tch::no_grad_guard();
    let out = model.forward(&split.x, false)?;
    let value = loss
        .forward_unchecked(&out, &split.y)?
        .f_double_value(&[])?;
    let accuracy = if loss.is_classification() {
        Some(accuracy(&out, &split.y)?)
    } else {
        None
    };
    Ok((value, accuracy))
}

/// `(outputs.argmax(1) == labels).sum().item() / labels.size(0)`.
pub fn accuracy(outputs: &Tensor, labels: &Tensor) -> Result<f64> {
    let n = labels.size().first().copied().unwrap_or(0);
    if n == 0 {
        return Err(Error::invalid("accuracy of an empty set"));
    }
    let correct = outputs
        .f_argmax(1, false)?
        .f_eq_tensor(labels)?
        .f_sum(Kind::Int64)?
        .f_int64_value(&[])?;
    Ok(correct as f64 / n as f64)
}

/// Checks a split's class indices once per fit, against the width of the
/// model's output for one row (in eval mode, so no random numbers are drawn),
/// instead of at every loss: the check costs ~7 libtorch ops per call.
fn check_targets(model: &dyn Model, loss: &dyn Criterion, split: &Split) -> Result<()> {
    if !loss.checks_targets_once() || split.x.size().first().copied().unwrap_or(0) == 0 {
        return Ok(());
    }
    let _guard = tch::no_grad_guard();
    let probe = if split.x.dim() >= 2 {
        split.x.f_narrow(0, 0, 1)?
    } else {
        split.x.shallow_clone()
    };
    loss.check_targets(&model.forward(&probe, false)?, &split.y)
}

fn train_step<S: Stepper + ?Sized>(
    model: &dyn Model,
    loss: &dyn Criterion,
    optimizer: &mut S,
    x: &Tensor,
    y: &Tensor,
) -> Result<f64> {
    optimizer.zero_grad()?;
    let out = model.forward(x, true)?;
    let value = loss.forward_unchecked(&out, y)?;
    value.f_backward()?;
    optimizer.step()?;
    Ok(value.f_double_value(&[])?)
}

/// Runs `config.epochs` epochs; `on_epoch` sees each record and returns false
/// to stop early (callback or AbortSignal), which is not an error.
pub fn fit<S: Stepper + ?Sized>(
    model: &dyn Model,
    loss: &dyn Criterion,
    optimizer: &mut S,
    train: &Split,
    test: Option<&Split>,
    config: &FitConfig,
    on_epoch: &mut dyn FnMut(&EpochRecord) -> bool,
) -> Result<Vec<EpochRecord>> {
    let n = train.x.size().first().copied().unwrap_or(0);
    if train.y.size().first().copied() != Some(n) {
        return Err(Error::invalid(format!(
            "inputs and targets differ in length: {} vs {:?}",
            n,
            train.y.size().first()
        )));
    }
    if config.epochs > 0 {
        check_targets(model, loss, train)?;
        if let Some(test) = test {
            check_targets(model, loss, test)?;
        }
    }
    let mut history = Vec::with_capacity(config.epochs);
    for epoch in 1..=config.epochs {
        if config.stopped() {
            break;
        }
        let mut last_loss = 0.0;
        match config.batch_size {
            None => last_loss = train_step(model, loss, optimizer, &train.x, &train.y)?,
            Some(bs) if bs > 0 => {
                let order = if config.shuffle {
                    Some(Tensor::f_randperm(n, (Kind::Int64, train.x.device()))?)
                } else {
                    None
                };
                let mut start = 0;
                while start < n {
                    if config.stopped() {
                        return Ok(history);
                    }
                    let len = bs.min(n - start);
                    let (xb, yb) = match &order {
                        Some(idx) => {
                            let idx = idx.f_narrow(0, start, len)?;
                            (
                                train.x.f_index_select(0, &idx)?,
                                train.y.f_index_select(0, &idx)?,
                            )
                        }
                        None => (
                            train.x.f_narrow(0, start, len)?,
                            train.y.f_narrow(0, start, len)?,
                        ),
                    };
                    last_loss = train_step(model, loss, optimizer, &xb, &yb)?;
                    start += len;
                }
            }
            Some(bs) => {
                return Err(Error::invalid(format!(
                    "batch_size should be a positive integer value, but got batch_size={bs}"
                )))
            }
        }
        let mut record = EpochRecord {
            epoch,
            train_loss: last_loss,
            ..Default::default()
        };
        if config.evaluate {
            let (train_loss, train_accuracy) = evaluate(model, loss, train)?;
            record.train_loss = train_loss;
            record.train_accuracy = train_accuracy;
            if let Some(test) = test {
                let (test_loss, test_accuracy) = evaluate(model, loss, test)?;
                record.test_loss = Some(test_loss);
                record.test_accuracy = test_accuracy;
            }
        }
        history.push(record);
        if !on_epoch(&record) {
            break; // stopped from outside: what ran so far is the history
        }
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::linear_reset_parameters;
    use crate::nn::{Layer, LayerSpec};
    use crate::optim::{Adam, AdamConfig};
    use tch::Device;

    fn linear(i: i64, o: i64) -> Layer {
        let mut weight = Tensor::empty([o, i], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let mut bias = Tensor::empty([o], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        linear_reset_parameters(&mut weight, Some(&mut bias)).unwrap();
        Layer::linear(weight, Some(bias))
    }

    #[test]
    fn learns_a_separable_problem_and_stops_on_request() {
        let _rng = crate::rng_lock();
        tch::manual_seed(0);
        let x = Tensor::randn([200, 2], (Kind::Float, Device::Cpu));
        let y = x.select(1, 0).gt(0).to_kind(Kind::Int64);
        let model = Sequential {
            layers: vec![
                linear(2, 8),
                Layer::stateless(LayerSpec::ReLU),
                linear(8, 2),
            ],
        };
        let mut opt = Adam::new(model.parameters(), AdamConfig::default().lr(0.05)).unwrap();
        let split = Split { x, y };
        let cfg = FitConfig {
            epochs: 100,
            ..Default::default()
        };
        let history = fit(
            &model,
            &Loss::cross_entropy(),
            &mut opt,
            &split,
            None,
            &cfg,
            &mut |_| true,
        )
        .unwrap();
        assert_eq!(history.len(), 100);
        assert!(
            history[99].train_accuracy.unwrap() > 0.95,
            "{:?}",
            history[99]
        );
        assert!(history[99].train_loss < history[0].train_loss);

        let cfg = FitConfig {
            epochs: 10,
            batch_size: Some(64),
            ..Default::default()
        };
        let stopped = fit(
            &model,
            &Loss::cross_entropy(),
            &mut opt,
            &split,
            None,
            &cfg,
            &mut |r| r.epoch < 3,
        )
        .unwrap();
        assert_eq!(stopped.len(), 3);
    }

    #[test]
    fn out_of_range_labels_are_refused_before_any_step() {
        let _rng = crate::rng_lock();
        tch::manual_seed(0);
        let model = Sequential {
            layers: vec![linear(2, 3)],
        };
        let before = model.parameters()[0].copy();
        let mut opt = Adam::new(model.parameters(), AdamConfig::default()).unwrap();
        let train = Split {
            x: Tensor::randn([4, 2], (Kind::Float, Device::Cpu)),
            y: Tensor::from_slice(&[0i64, 1, 2, 1]),
        };
        let test = Split {
            x: Tensor::randn([2, 2], (Kind::Float, Device::Cpu)),
            y: Tensor::from_slice(&[0i64, 3]),
        };
        let cfg = FitConfig {
            epochs: 5,
            batch_size: Some(2),
            ..Default::default()
        };
        let err = fit(
            &model,
            &Loss::cross_entropy(),
            &mut opt,
            &train,
            Some(&test),
            &cfg,
            &mut |_| true,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("Target 3 is out of bounds"),
            "{err}"
        );
        assert!(model.parameters()[0].equal(&before), "no step ran");
    }
}
