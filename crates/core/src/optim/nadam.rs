//! NAdam, mirroring `_single_tensor_nadam` (PyTorch 2.11, CPU default).
use super::{
    add_scaled, addcdiv_value_, addcmul_value_, check_betas, check_non_negative, PerParameter, Rule,
};
use crate::Result;
use tch::Tensor;

#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, Copy)]
pub struct NadamConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum_decay: f64,
    /// Decay the weights directly (as AdamW does) instead of adding to the gradient.
    pub decoupled_weight_decay: bool,
    pub maximize: bool,
}

impl Default for NadamConfig {
    fn default() -> Self {
        Self {
            lr: 2e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum_decay: 4e-3,
            decoupled_weight_decay: false,
            maximize: false,
        }
    }
}

impl NadamConfig {
    /// The checks and messages of torch/optim/nadam.py, in its order.
    pub fn validate(&self) -> Result<()> {
        check_non_negative("learning rate", self.lr)?;
        check_non_negative("epsilon value", self.eps)?;
        check_betas(self.beta1, self.beta2)?;
        check_non_negative("weight_decay value", self.weight_decay)?;
        check_non_negative("momentum_decay value", self.momentum_decay)
    }
}

/// Per-parameter state, created at a parameter's first step as PyTorch does.
pub struct NadamState {
    /// PyTorch's float32 step count, kept exactly (see `next_step`).
    pub step: f64,
    /// The product of the momentum schedule so far. PyTorch keeps it in a
    /// float32 tensor, and its rounding reaches the update: this is that
    /// float32 value, widened.
    pub mu_product: f64,
    pub exp_avg: Tensor,
    pub exp_avg_sq: Tensor,
}

pub type Nadam = PerParameter<NadamRule>;

/// Nadam's update of one parameter.
pub struct NadamRule;

impl Rule for NadamRule {
    type Config = NadamConfig;
    type State = NadamState;

    fn validate(config: &NadamConfig) -> Result<()> {
        config.validate()
    }

    fn init(_config: &NadamConfig, param: &Tensor) -> NadamState {
        NadamState {
            step: 0.0,
            mu_product: 1.0,
            exp_avg: param.zeros_like(),
            exp_avg_sq: param.zeros_like(),
        }
    }

    fn update(config: &NadamConfig, param: &mut Tensor, state: &mut NadamState) -> Result<()> {
        let NadamConfig {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            momentum_decay,
            decoupled_weight_decay,
            maximize,
        } = *config;
        let mut grad = param.grad();
        if maximize {
            grad = grad.f_neg()?;
        }
        state.step = super::next_step(state.step);
        let step = state.step;
        let bias_correction2 = 1.0 - beta2.powf(step);
        if weight_decay != 0.0 {
            if decoupled_weight_decay {
                let _ = param.f_mul_scalar_(1.0 - lr * weight_decay)?;
            } else {
                grad = add_scaled(&grad, param, weight_decay)?;
            }
        }
        // The momentum cache mu_t and mu_{t+1}.
        let mu = beta1 * (1.0 - 0.5 * 0.96f64.powf(step * momentum_decay));
        let mu_next = beta1 * (1.0 - 0.5 * 0.96f64.powf((step + 1.0) * momentum_decay));
        // mu_product *= mu: a float32 tensor times a scalar cast to float32.
        state.mu_product = f64::from(state.mu_product as f32 * mu as f32);
        let mu_product = state.mu_product;

        let _ = state.exp_avg.f_lerp_(&grad, 1.0 - beta1)?;
        let _ = state.exp_avg_sq.f_mul_scalar_(beta2)?;
        addcmul_value_(&mut state.exp_avg_sq, &grad, &grad, 1.0 - beta2)?;
        let mut denom = state.exp_avg_sq.f_div_scalar(bias_correction2)?.f_sqrt()?;

        let mu_product_next = mu_product * mu_next;
        let _ = denom.f_add_scalar_(eps)?;
        addcdiv_value_(param, &grad, &denom, -lr * (1.0 - mu) / (1.0 - mu_product))?;
        addcdiv_value_(
            param,
            &state.exp_avg,
            &denom,
            (-lr * mu_next) / (1.0 - mu_product_next),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(config: NadamConfig) -> String {
        Nadam::new(vec![], config).err().unwrap().to_string()
    }

    #[test]
    fn rejects_bad_hyperparameters_like_pytorch() {
        let d = NadamConfig::default();
        assert_eq!(
            message(NadamConfig { lr: -1.0, ..d }),
            "Invalid learning rate: -1"
        );
        assert_eq!(
            message(NadamConfig { eps: -1.0, ..d }),
            "Invalid epsilon value: -1"
        );
        assert_eq!(
            message(NadamConfig { beta1: -0.5, ..d }),
            "Invalid beta parameter at index 0: -0.5"
        );
        assert_eq!(
            message(NadamConfig { beta2: 1.0, ..d }),
            "Invalid beta parameter at index 1: 1"
        );
        assert_eq!(
            message(NadamConfig {
                weight_decay: -0.5,
                ..d
            }),
            "Invalid weight_decay value: -0.5"
        );
        assert_eq!(
            message(NadamConfig {
                momentum_decay: -0.25,
                ..d
            }),
            "Invalid momentum_decay value: -0.25"
        );
        assert!(d.validate().is_ok());
    }
}
