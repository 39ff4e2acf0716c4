//! RMSprop, mirroring `_single_tensor_rmsprop` (PyTorch 2.11, CPU default).
use super::{
    add_scaled, add_scaled_, addcdiv_value_, addcmul_value_, check_non_negative, PerParameter, Rule,
};
use crate::Result;
use tch::Tensor;

#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, Copy)]
pub struct RmspropConfig {
    pub lr: f64,
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    /// Normalise by the variance estimate (mean of squares minus squared mean).
    pub centered: bool,
    pub maximize: bool,
}

impl Default for RmspropConfig {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
        }
    }
}

impl RmspropConfig {
    /// The checks and messages of torch/optim/rmsprop.py, in its order.
    pub fn validate(&self) -> Result<()> {
        check_non_negative("learning rate", self.lr)?;
        check_non_negative("epsilon value", self.eps)?;
        check_non_negative("momentum value", self.momentum)?;
        check_non_negative("weight_decay value", self.weight_decay)?;
        check_non_negative("alpha value", self.alpha)
    }
}

/// Per-parameter state, created at a parameter's first step as PyTorch does.
pub struct RmspropState {
    /// PyTorch's float32 step count, kept exactly (see `next_step`).
    pub step: f64,
    pub square_avg: Tensor,
    /// Present when momentum > 0.
    pub momentum_buffer: Option<Tensor>,
    /// Present when centered.
    pub grad_avg: Option<Tensor>,
}

pub type Rmsprop = PerParameter<RmspropRule>;

/// Rmsprop's update of one parameter.
pub struct RmspropRule;

impl Rule for RmspropRule {
    type Config = RmspropConfig;
    type State = RmspropState;

    fn validate(config: &RmspropConfig) -> Result<()> {
        config.validate()
    }

    fn init(config: &RmspropConfig, param: &Tensor) -> RmspropState {
        RmspropState {
            step: 0.0,
            square_avg: param.zeros_like(),
            momentum_buffer: (config.momentum > 0.0).then(|| param.zeros_like()),
            grad_avg: config.centered.then(|| param.zeros_like()),
        }
    }

    fn update(config: &RmspropConfig, param: &mut Tensor, state: &mut RmspropState) -> Result<()> {
        let RmspropConfig {
            lr,
            alpha,
            eps,
            weight_decay,
            momentum,
            centered,
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
        // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        let _ = state.square_avg.f_mul_scalar_(alpha)?;
        addcmul_value_(&mut state.square_avg, &grad, &grad, 1.0 - alpha)?;
        let mut avg = if centered {
            // A group switched to centered after its first step starts from zeros.
            let grad_avg = state.grad_avg.get_or_insert_with(|| param.zeros_like());
            let _ = grad_avg.f_lerp_(&grad, 1.0 - alpha)?;
            // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
            let mut avg = state.square_avg.f_detach_copy()?;
            addcmul_value_(&mut avg, grad_avg, grad_avg, -1.0)?;
            let _ = avg.f_sqrt_()?;
            avg
        } else {
            state.square_avg.f_sqrt()?
        };
        let _ = avg.f_add_scalar_(eps)?;
        if momentum > 0.0 {
            let buf = state
                .momentum_buffer
                .get_or_insert_with(|| param.zeros_like());
            // buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
            let _ = buf.f_mul_scalar_(momentum)?;
            let _ = buf.f_addcdiv_(&grad, &avg)?;
            add_scaled_(param, buf, -lr)
        } else {
            addcdiv_value_(param, &grad, &avg, -lr)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(config: RmspropConfig) -> String {
        Rmsprop::new(vec![], config).err().unwrap().to_string()
    }

    #[test]
    fn rejects_bad_hyperparameters_like_pytorch() {
        let d = RmspropConfig::default();
        assert_eq!(
            message(RmspropConfig { lr: -1.0, ..d }),
            "Invalid learning rate: -1"
        );
        assert_eq!(
            message(RmspropConfig { eps: -0.5, ..d }),
            "Invalid epsilon value: -0.5"
        );
        assert_eq!(
            message(RmspropConfig {
                momentum: -0.1,
                ..d
            }),
            "Invalid momentum value: -0.1"
        );
        assert_eq!(
            message(RmspropConfig {
                weight_decay: -1.0,
                ..d
            }),
            "Invalid weight_decay value: -1"
        );
        assert_eq!(
            message(RmspropConfig { alpha: -0.5, ..d }),
            "Invalid alpha value: -0.5"
        );
        assert!(d.validate().is_ok());
    }
}
