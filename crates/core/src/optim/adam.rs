//! Adam and AdamW, mirroring `_single_tensor_adam` (PyTorch 2.11, CPU default).
use super::{add_scaled, addcdiv_value_, addcmul_value_, check_non_negative, PerParameter, Rule};
use crate::{Error, Result};
use tch::Tensor;

#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, Copy)]
pub struct AdamConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub amsgrad: bool,
    pub maximize: bool,
    /// AdamW: decay the weights directly instead of adding to the gradient.
    pub decoupled_weight_decay: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
            decoupled_weight_decay: false,
        }
    }
}

impl AdamConfig {
    pub fn adamw() -> Self {
        Self {
            weight_decay: 1e-2,
            decoupled_weight_decay: true,
            ..Self::default()
        }
    }
    pub fn lr(mut self, lr: f64) -> Self {
        self.lr = lr;
        self
    }

    /// The checks and messages of torch/optim/adam.py.
    pub fn validate(&self) -> Result<()> {
        let check = |ok: bool, msg: String| if ok { Ok(()) } else { Err(Error::invalid(msg)) };
        check_non_negative("learning rate", self.lr)?;
        check_non_negative("epsilon value", self.eps)?;
        check(
            (0.0..1.0).contains(&self.beta1),
            format!("Invalid beta parameter at index 0: {}", self.beta1),
        )?;
        check(
            (0.0..1.0).contains(&self.beta2),
            format!("Invalid beta parameter at index 1: {}", self.beta2),
        )?;
        check_non_negative("weight_decay value", self.weight_decay)
    }
}

/// Per-parameter state, created lazily at the first step as PyTorch does.
pub struct AdamState {
    /// PyTorch keeps `step` as a float32 tensor; integral counts are exact in f64 too.
    pub step: f64,
    pub exp_avg: Tensor,
    pub exp_avg_sq: Tensor,
    pub max_exp_avg_sq: Option<Tensor>,
}

pub type Adam = PerParameter<AdamRule>;

/// Adam's update of one parameter.
pub struct AdamRule;

impl Rule for AdamRule {
    type Config = AdamConfig;
    type State = AdamState;

    fn validate(config: &AdamConfig) -> Result<()> {
        config.validate()
    }

    fn init(config: &AdamConfig, param: &Tensor) -> AdamState {
        AdamState {
            step: 0.0,
            exp_avg: param.zeros_like(),
            exp_avg_sq: param.zeros_like(),
            max_exp_avg_sq: if config.amsgrad {
                Some(param.zeros_like())
            } else {
                None
            },
        }
    }

    fn update(config: &AdamConfig, param: &mut Tensor, state: &mut AdamState) -> Result<()> {
        let AdamConfig {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            maximize,
            decoupled_weight_decay,
        } = *config;
        let mut grad = param.grad();
        if maximize {
            grad = grad.f_neg()?;
        }
        state.step += 1.0;
        if weight_decay != 0.0 {
            if decoupled_weight_decay {
                let _ = param.f_mul_scalar_(1.0 - lr * weight_decay)?;
            } else {
                grad = add_scaled(&grad, param, weight_decay)?;
            }
        }
        // exp_avg.lerp_(grad, 1 - beta1)
        let _ = state.exp_avg.f_lerp_(&grad, 1.0 - beta1)?;
        // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        let _ = state.exp_avg_sq.f_mul_scalar_(beta2)?;
        addcmul_value_(&mut state.exp_avg_sq, &grad, &grad, 1.0 - beta2)?;

        let step = state.step;
        let bias_correction1 = 1.0 - beta1.powf(step);
        let bias_correction2 = 1.0 - beta2.powf(step);
        let step_size = lr / bias_correction1;
        let bias_correction2_sqrt = bias_correction2.powf(0.5);

        let second_moment = match (&mut state.max_exp_avg_sq, amsgrad) {
            (Some(max), true) => {
                let m = max.f_maximum(&state.exp_avg_sq)?;
                max.f_copy_(&m)?;
                max.shallow_clone()
            }
            _ => state.exp_avg_sq.shallow_clone(),
        };
        let mut denom = second_moment
            .f_sqrt()?
            .f_div_scalar(bias_correction2_sqrt)?;
        let _ = denom.f_add_scalar_(eps)?;
        // param.addcdiv_(exp_avg, denom, value=-step_size)
        addcdiv_value_(param, &state.exp_avg, &denom, -step_size)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Optimizer;
    use tch::{Device, Kind};

    #[test]
    fn rejects_bad_hyperparameters_like_pytorch() {
        let err = Adam::new(vec![], AdamConfig::default().lr(-1.0))
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "Invalid learning rate: -1");
        let cfg = AdamConfig {
            beta1: 1.0,
            ..Default::default()
        };
        assert_eq!(
            Adam::new(vec![], cfg).err().unwrap().to_string(),
            "Invalid beta parameter at index 0: 1"
        );
    }

    #[test]
    fn first_step_moves_each_weight_by_lr() {
        // With bias correction, Adam's first step is lr * sign(grad) (up to eps).
        let p = Tensor::from_slice(&[1.0f32, -2.0, 3.0]).set_requires_grad(true);
        let loss = (&p * Tensor::from_slice(&[2.0f32, -3.0, 0.5])).sum(Kind::Float);
        loss.backward();
        let mut opt = Adam::new(vec![p.shallow_clone()], AdamConfig::default().lr(0.1)).unwrap();
        opt.step().unwrap();
        let got: Vec<f32> = p.detach().to_device(Device::Cpu).try_into().unwrap();
        let want = [0.9f32, -1.9, 2.9];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{got:?}");
        }
    }
}
