//! RAdam, mirroring `_single_tensor_radam` (PyTorch 2.11, CPU default).
use super::{
    add_scaled, add_scaled_, addcmul_value_, check_betas, check_non_negative, PerParameter, Rule,
};
use crate::Result;
use tch::Tensor;

#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, Copy)]
pub struct RadamConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// Decay the weights directly (as AdamW does) instead of adding to the gradient.
    pub decoupled_weight_decay: bool,
    pub maximize: bool,
}

impl Default for RadamConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
            maximize: false,
        }
    }
}

impl RadamConfig {
    /// The checks and messages of torch/optim/radam.py, in its order.
    pub fn validate(&self) -> Result<()> {
        check_non_negative("learning rate", self.lr)?;
        check_non_negative("epsilon value", self.eps)?;
        check_betas(self.beta1, self.beta2)?;
        check_non_negative("weight_decay value", self.weight_decay)
    }
}

/// Per-parameter state, created at a parameter's first step as PyTorch does.
pub struct RadamState {
    /// PyTorch's float32 step count, kept exactly (see `next_step`).
    pub step: f64,
    pub exp_avg: Tensor,
    pub exp_avg_sq: Tensor,
}

pub type Radam = PerParameter<RadamRule>;

/// Radam's update of one parameter.
pub struct RadamRule;

impl Rule for RadamRule {
    type Config = RadamConfig;
    type State = RadamState;

    fn validate(config: &RadamConfig) -> Result<()> {
        config.validate()
    }

    fn init(_config: &RadamConfig, param: &Tensor) -> RadamState {
        RadamState {
            step: 0.0,
            exp_avg: param.zeros_like(),
            exp_avg_sq: param.zeros_like(),
        }
    }

    fn update(config: &RadamConfig, param: &mut Tensor, state: &mut RadamState) -> Result<()> {
        let RadamConfig {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            decoupled_weight_decay,
            maximize,
        } = *config;
        let mut grad = param.grad();
        if maximize {
            grad = grad.f_neg()?;
        }
        state.step = super::next_step(state.step);
        let step = state.step;
        if weight_decay != 0.0 {
            if decoupled_weight_decay {
                let _ = param.f_mul_scalar_(1.0 - lr * weight_decay)?;
            } else {
                grad = add_scaled(&grad, param, weight_decay)?;
            }
        }
        let _ = state.exp_avg.f_lerp_(&grad, 1.0 - beta1)?;
        let _ = state.exp_avg_sq.f_mul_scalar_(beta2)?;
        addcmul_value_(&mut state.exp_avg_sq, &grad, &grad, 1.0 - beta2)?;

        let bias_correction1 = 1.0 - beta1.powf(step);
        let bias_correction2 = 1.0 - beta2.powf(step);
        let bias_corrected_exp_avg = state.exp_avg.f_div_scalar(bias_correction1)?;
        // The maximum and the current length of the approximated simple moving average.
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let rho_t = rho_inf - 2.0 * step * beta2.powf(step) / bias_correction2;

        let update = if rho_t > 5.0 {
            let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .powf(0.5);
            let mut sqrt = state.exp_avg_sq.f_sqrt()?;
            let _ = sqrt.f_add_scalar_(eps)?;
            // Python's `float / tensor` is `tensor.reciprocal() * float`.
            let adaptive_lr = sqrt
                .f_reciprocal()?
                .f_mul_scalar(bias_correction2.powf(0.5))?;
            bias_corrected_exp_avg
                .f_mul_scalar(lr)?
                .f_mul(&adaptive_lr)?
                .f_mul_scalar(rect)?
        } else {
            bias_corrected_exp_avg.f_mul_scalar(lr)?
        };
        add_scaled_(param, &update, -1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(config: RadamConfig) -> String {
        Radam::new(vec![], config).err().unwrap().to_string()
    }

    #[test]
    fn rejects_bad_hyperparameters_like_pytorch() {
        let d = RadamConfig::default();
        assert_eq!(
            message(RadamConfig { lr: -1.0, ..d }),
            "Invalid learning rate: -1"
        );
        assert_eq!(
            message(RadamConfig { eps: -1.0, ..d }),
            "Invalid epsilon value: -1"
        );
        assert_eq!(
            message(RadamConfig { beta1: 1.0, ..d }),
            "Invalid beta parameter at index 0: 1"
        );
        assert_eq!(
            message(RadamConfig { beta2: -0.5, ..d }),
            "Invalid beta parameter at index 1: -0.5"
        );
        assert_eq!(
            message(RadamConfig {
                weight_decay: -0.5,
                ..d
            }),
            "Invalid weight_decay value: -0.5"
        );
        assert!(d.validate().is_ok());
    }
}
