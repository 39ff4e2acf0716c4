//! Adamax, mirroring `_single_tensor_adamax` (PyTorch 2.11, CPU default).
use super::{add_scaled, addcdiv_value_, check_betas, check_non_negative, PerParameter, Rule};
use crate::Result;
use tch::Tensor;

#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, Copy)]
pub struct AdamaxConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub maximize: bool,
}

impl Default for AdamaxConfig {
    fn default() -> Self {
        Self {
            lr: 2e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

impl AdamaxConfig {
    /// The checks and messages of torch/optim/adamax.py, in its order.
    pub fn validate(&self) -> Result<()> {
        check_non_negative("learning rate", self.lr)?;
        check_non_negative("epsilon value", self.eps)?;
        check_betas(self.beta1, self.beta2)?;
        check_non_negative("weight_decay value", self.weight_decay)
    }
}

/// Per-parameter state, created at a parameter's first step as PyTorch does.
pub struct AdamaxState {
    /// PyTorch's float32 step count, kept exactly (see `next_step`).
    pub step: f64,
    pub exp_avg: Tensor,
    /// The exponentially weighted infinity norm.
    pub exp_inf: Tensor,
}

pub type Adamax = PerParameter<AdamaxRule>;

/// Adamax's update of one parameter.
pub struct AdamaxRule;

impl Rule for AdamaxRule {
    type Config = AdamaxConfig;
    type State = AdamaxState;

    fn validate(config: &AdamaxConfig) -> Result<()> {
        config.validate()
    }

    fn init(_config: &AdamaxConfig, param: &Tensor) -> AdamaxState {
        AdamaxState {
            step: 0.0,
            exp_avg: param.zeros_like(),
            exp_inf: param.zeros_like(),
        }
    }

    fn update(config: &AdamaxConfig, param: &mut Tensor, state: &mut AdamaxState) -> Result<()> {
        let AdamaxConfig {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            maximize,
        } = *config;
        let mut grad = param.grad();
        if maximize {
            grad = grad.f_neg()?;
        }
        state.step = super::next_step(state.step);
        if weight_decay != 0.0 {
            grad = add_scaled(&grad, param, weight_decay)?;
        }
        let _ = state.exp_avg.f_lerp_(&grad, 1.0 - beta1)?;
        // torch.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
        let _ = state.exp_inf.f_mul_scalar_(beta2)?;
        let mut norm = grad.f_abs()?;
        let _ = norm.f_add_scalar_(eps)?;
        let _ = state.exp_inf.f_maximum_out(&state.exp_inf, &norm)?;
        let clr = lr / (1.0 - beta1.powf(state.step));
        addcdiv_value_(param, &state.exp_avg, &state.exp_inf, -clr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(config: AdamaxConfig) -> String {
        Adamax::new(vec![], config).err().unwrap().to_string()
    }

    #[test]
    fn rejects_bad_hyperparameters_like_pytorch() {
        let d = AdamaxConfig::default();
        assert_eq!(
            message(AdamaxConfig { lr: -1.0, ..d }),
            "Invalid learning rate: -1"
        );
        assert_eq!(
            message(AdamaxConfig { eps: -1.0, ..d }),
            "Invalid epsilon value: -1"
        );
        assert_eq!(
            message(AdamaxConfig { beta1: 1.0, ..d }),
            "Invalid beta parameter at index 0: 1"
        );
        assert_eq!(
            message(AdamaxConfig { beta2: 1.5, ..d }),
            "Invalid beta parameter at index 1: 1.5"
        );
        assert_eq!(
            message(AdamaxConfig {
                weight_decay: -0.5,
                ..d
            }),
            "Invalid weight_decay value: -0.5"
        );
        assert!(d.validate().is_ok());
    }
}
