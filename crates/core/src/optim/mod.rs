//! Optimizers with the update math of PyTorch-Python's default CPU path
//! (the single-tensor implementations in torch/optim/<name>.py).
mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod nadam;
mod radam;
mod rmsprop;
mod sgd;

pub use adadelta::{Adadelta, AdadeltaConfig, AdadeltaState};
pub use adagrad::{Adagrad, AdagradConfig, AdagradState};
pub use adam::{Adam, AdamConfig, AdamState};
pub use adamax::{Adamax, AdamaxConfig, AdamaxState};
pub use nadam::{Nadam, NadamConfig, NadamState};
pub use radam::{Radam, RadamConfig, RadamState};
pub use rmsprop::{Rmsprop, RmspropConfig, RmspropState};
pub use sgd::{Sgd, SgdConfig};

use crate::Result;
use tch::{Kind, Tensor};

/// `alpha` as the one-element tensor `addcmul` multiplies by, when that
/// reproduces `add(other, alpha)` exactly (see `add_scaled`).
fn fused_alpha(other: &Tensor, alpha: f64) -> Result<Option<Tensor>> {
    match other.kind() {
        Kind::Float | Kind::Double => Ok(Some(Tensor::f_scalar_tensor(
            alpha,
            (other.kind(), other.device()),
        )?)),
        _ => Ok(None),
    }
}

/// `input.add(other, alpha=alpha)`, rounded as PyTorch rounds it.
///
/// PyTorch's add kernel computes `input + alpha * other` with one fused
/// multiply-add (one rounding); tch's `add` has no `alpha`, and pre-scaling
/// `other` rounds twice (1 ulp off in about 1 element in 500). `addcmul` with
/// a one-element `alpha` tensor runs the same fused multiply-add, so it gives
/// PyTorch's bits for float32/float64 (checked against torch 2.11 in
/// test/optim.test.ts). Half types keep the pre-scaled form: there the alpha
/// tensor itself would be rounded to half.
pub(crate) fn add_scaled(input: &Tensor, other: &Tensor, alpha: f64) -> Result<Tensor> {
    Ok(match fused_alpha(other, alpha)? {
        Some(a) => input.f_addcmul(other, &a)?,
        None => input.f_add(&other.f_mul_scalar(alpha)?)?,
    })
}

/// In-place `input.add_(other, alpha=alpha)`, rounded as PyTorch rounds it.
pub(crate) fn add_scaled_(input: &mut Tensor, other: &Tensor, alpha: f64) -> Result<()> {
    let _ = match fused_alpha(other, alpha)? {
        Some(a) => input.f_addcmul_(other, &a)?,
        None => input.f_add_(&other.f_mul_scalar(alpha)?)?,
    };
    Ok(())
}

/// CUDA's pointwise kernels compute `input + value * (t1 op t2)` with one
/// fused multiply-add after `t1 op t2`; the CPU kernels compute
/// `input + (value * t1) op t2`. tch has no `value` argument, so each device
/// gets the value-free form that rounds like it (measured on an H100 with
/// torch 2.11+cu130: 0 of 10^6 elements differ, against ~40% for the other form).
fn fused_on_device(input: &Tensor) -> bool {
    input.device().is_cuda() && matches!(input.kind(), Kind::Float | Kind::Double)
}

/// In-place `input.addcmul_(t1, t2, value=value)`, rounded as PyTorch rounds it.
pub(crate) fn addcmul_value_(
    input: &mut Tensor,
    t1: &Tensor,
    t2: &Tensor,
    value: f64,
) -> Result<()> {
    let _ = if fused_on_device(input) {
        input.f_addcmul_(
            &t1.f_mul(t2)?,
            &Tensor::f_scalar_tensor(value, (input.kind(), input.device()))?,
        )?
    } else {
        input.f_addcmul_(&t1.f_mul_scalar(value)?, t2)?
    };
    Ok(())
}

/// In-place `input.addcdiv_(t1, t2, value=value)`, rounded as PyTorch rounds it.
pub(crate) fn addcdiv_value_(
    input: &mut Tensor,
    t1: &Tensor,
    t2: &Tensor,
    value: f64,
) -> Result<()> {
    let _ = if fused_on_device(input) {
        input.f_addcmul_(
            &t1.f_div(t2)?,
            &Tensor::f_scalar_tensor(value, (input.kind(), input.device()))?,
        )?
    } else {
        input.f_addcdiv_(&t1.f_mul_scalar(value)?, t2)?
    };
    Ok(())
}

/// `step += 1` on PyTorch's step counter, a float32 tensor: counts past 2^24
/// stop at the float32 value PyTorch would hold.
pub(crate) fn next_step(step: f64) -> f64 {
    f64::from(step as f32 + 1.0)
}

/// `value >= 0`, else torch/optim's "Invalid {what}: {value}" (NaN fails too).
pub(crate) fn check_non_negative(what: &str, value: f64) -> Result<()> {
    if value >= 0.0 {
        Ok(())
    } else {
        Err(crate::Error::invalid(format!("Invalid {what}: {value}")))
    }
}

/// `0 <= beta < 1` for both betas, with torch/optim's messages.
pub(crate) fn check_betas(beta1: f64, beta2: f64) -> Result<()> {
    for (index, beta) in [beta1, beta2].into_iter().enumerate() {
        if !(0.0..1.0).contains(&beta) {
            return Err(crate::Error::invalid(format!(
                "Invalid beta parameter at index {index}: {beta}"
            )));
        }
    }
    Ok(())
}

/// One optimizer's math for one parameter: the body of PyTorch's
/// `_single_tensor_*` loop.
pub trait Rule {
    type Config: Copy + Send;
    type State: Send;
    /// PyTorch's checks of the hyper-parameters, with its messages.
    fn validate(config: &Self::Config) -> Result<()>;
    /// A parameter's state before its first update.
    fn init(config: &Self::Config, param: &Tensor) -> Self::State;
    fn update(config: &Self::Config, param: &mut Tensor, state: &mut Self::State) -> Result<()>;
}

/// An optimizer of one parameter group: its config, its parameters and their
/// states, made at a parameter's first step as PyTorch makes them. Parameters
/// whose grad is None are skipped, as PyTorch skips them.
pub struct PerParameter<R: Rule> {
    pub config: R::Config,
    params: Vec<Tensor>,
    pub state: Vec<Option<R::State>>,
}

impl<R: Rule> PerParameter<R> {
    pub fn new(params: Vec<Tensor>, config: R::Config) -> Result<Self> {
        R::validate(&config)?;
        let state = params.iter().map(|_| None).collect();
        Ok(Self {
            config,
            params,
            state,
        })
    }
}

impl<R: Rule> Optimizer for PerParameter<R> {
    fn step(&mut self) -> Result<()> {
        let _guard = tch::no_grad_guard();
        for (param, state) in self.params.iter_mut().zip(self.state.iter_mut()) {
            if !param.grad().defined() {
                continue;
            }
            let state = state.get_or_insert_with(|| R::init(&self.config, param));
            R::update(&self.config, param, state)?;
        }
        Ok(())
    }

    fn params(&self) -> &[Tensor] {
        &self.params
    }
}

/// One native step over a parameter group.
pub trait Optimizer: Send {
    fn step(&mut self) -> Result<()>;
    fn params(&self) -> &[Tensor];

    /// `zero_grad()`: grads become None, as in PyTorch 2 (`set_to_none=True`).
    fn zero_grad(&mut self) {
        for p in self.params() {
            // Only a C++ exception could fail it; the grad then stays as it was.
            let _ = crate::autograd::set_grad_to_none(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    /// `a + alpha * b` with a single rounding, computed in f64 (exact product of two floats).
    fn fused_reference(a: &[f32], b: &[f32], alpha: f64) -> Vec<f32> {
        let alpha = alpha as f32 as f64; // PyTorch casts alpha to the tensor's type first
        a.iter()
            .zip(b)
            .map(|(&a, &b)| (b as f64).mul_add(alpha, a as f64) as f32)
            .collect()
    }

    #[test]
    fn add_scaled_rounds_once_like_torch_add_with_alpha() {
        let _rng = crate::rng_lock();
        tch::manual_seed(0);
        let a = Tensor::randn([20_003], (Kind::Float, Device::Cpu));
        let b = Tensor::randn([20_003], (Kind::Float, Device::Cpu));
        let (av, bv): (Vec<f32>, Vec<f32>) = (
            a.shallow_clone().try_into().unwrap(),
            b.shallow_clone().try_into().unwrap(),
        );
        for alpha in [-0.1, 0.9, 1e-3] {
            let want = fused_reference(&av, &bv, alpha);
            let got: Vec<f32> = add_scaled(&a, &b, alpha).unwrap().try_into().unwrap();
            assert_eq!(got, want, "alpha {alpha}");
            let mut inplace = a.copy();
            add_scaled_(&mut inplace, &b, alpha).unwrap();
            assert!(inplace.equal(&Tensor::from_slice(&want)));
        }
        // Pre-scaling rounds twice and differs somewhere: the check above can fail.
        let pre: Vec<f32> = (&a + &b * 0.9).try_into().unwrap();
        assert_ne!(pre, fused_reference(&av, &bv, 0.9));
    }
}
