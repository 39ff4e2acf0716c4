//! Adadelta, mirroring `_single_tensor_adadelta` (PyTorch 2.11, CPU default).
use super::{add_scaled, add_scaled_, addcmul_value_, check_non_negative, PerParameter, Rule};
use crate::{Error, Result};
use tch::Tensor;

#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, Copy)]
pub struct AdadeltaConfig {
    pub lr: f64,
    pub rho: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub maximize: bool,
}

impl Default for AdadeltaConfig {
    fn default() -> Self {
        Self {
            lr: 1.0,
            rho: 0.9,
            eps: 1e-6,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

impl AdadeltaConfig {
    /// The checks and messages of torch/optim/adadelta.py, in its order.
    pub fn validate(&self) -> Result<()> {
        let check = |ok: bool, msg: String| if ok { Ok(()) } else { Err(Error::invalid(msg)) };
        check_non_negative("learning rate", self.lr)?;
        check(
            (0.0..=1.0).contains(&self.rho),
            format!("Invalid rho value: {}", self.rho),
        )?;
        check_non_negative("epsilon value", self.eps)?;
        check_non_negative("weight_decay value", self.weight_decay)
    }
}

/// Per-parameter state, created at a parameter's first step as PyTorch does.
pub struct AdadeltaState {
    /// PyTorch's float32 step count, kept exactly (see `next_step`).
    pub step: f64,
    pub square_avg: Tensor,
    pub acc_delta: Tensor,
}

pub type Adadelta = PerParameter<AdadeltaRule>;

/// Adadelta's update of one parameter.
pub struct AdadeltaRule;

impl Rule for AdadeltaRule {
    type Config = AdadeltaConfig;
    type State = AdadeltaState;

    fn validate(config: &AdadeltaConfig) -> Result<()> {
        config.validate()
    }

    fn init(_config: &AdadeltaConfig, param: &Tensor) -> AdadeltaState {
        AdadeltaState {
            step: 0.0,
            square_avg: param.zeros_like(),
            acc_delta: param.zeros_like(),
        }
    }

    fn update(
        config: &AdadeltaConfig,
        param: &mut Tensor,
        state: &mut AdadeltaState,
    ) -> Result<()> {
        let AdadeltaConfig {
            lr,
            rho,
            eps,
            weight_decay,
            maximize,
        } = *config;
        state.step = super::next_step(state.step);
        let mut grad = param.grad();
        if maximize {
            grad = grad.f_neg()?;
        }
        if weight_decay != 0.0 {
            grad = add_scaled(&grad, param, weight_decay)?;
        }
        let _ = state.square_avg.f_mul_scalar_(rho)?;
        addcmul_value_(&mut state.square_avg, &grad, &grad, 1.0 - rho)?;
        // std = square_avg.add(eps).sqrt_(); delta = acc_delta.add(eps).sqrt_()
        let mut std = state.square_avg.f_add_scalar(eps)?;
        let _ = std.f_sqrt_()?;
        let mut delta = state.acc_delta.f_add_scalar(eps)?;
        let _ = delta.f_sqrt_()?;
        // delta.div_(std).mul_(grad)
        let _ = delta.f_div_(&std)?;
        let _ = delta.f_mul_(&grad)?;
        let _ = state.acc_delta.f_mul_scalar_(rho)?;
        addcmul_value_(&mut state.acc_delta, &delta, &delta, 1.0 - rho)?;
        add_scaled_(param, &delta, -lr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(config: AdadeltaConfig) -> String {
        Adadelta::new(vec![], config).err().unwrap().to_string()
    }

    #[test]
    fn rejects_bad_hyperparameters_like_pytorch() {
        let d = AdadeltaConfig::default();
        assert_eq!(
            message(AdadeltaConfig { lr: -1.0, ..d }),
            "Invalid learning rate: -1"
        );
        assert_eq!(
            message(AdadeltaConfig { rho: 1.5, ..d }),
            "Invalid rho value: 1.5"
        );
        assert_eq!(
            message(AdadeltaConfig { rho: -0.1, ..d }),
            "Invalid rho value: -0.1"
        );
        assert_eq!(
            message(AdadeltaConfig { eps: -1.0, ..d }),
            "Invalid epsilon value: -1"
        );
        assert_eq!(
            message(AdadeltaConfig {
                weight_decay: -0.5,
                ..d
            }),
            "Invalid weight_decay value: -0.5"
        );
        // rho = 1 is allowed (0 <= rho <= 1), unlike Adam's betas.
        assert!(AdadeltaConfig { rho: 1.0, ..d }.validate().is_ok());
    }
}
