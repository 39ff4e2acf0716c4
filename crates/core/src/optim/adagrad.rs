//! Adagrad, mirroring `_single_tensor_adagrad` (PyTorch 2.11, CPU default).
use super::{add_scaled, addcdiv_value_, check_non_negative, Optimizer};
use crate::{Error, Result};
use tch::Tensor;

#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, Copy)]
pub struct AdagradConfig {
    pub lr: f64,
    pub lr_decay: f64,
    pub weight_decay: f64,
    /// The value every `sum` starts from.
    pub initial_accumulator_value: f64,
    pub eps: f64,
    pub maximize: bool,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

impl AdagradConfig {
    /// The checks and messages of torch/optim/adagrad.py, in its order.
    pub fn validate(&self) -> Result<()> {
        let check = |ok: bool, msg: String| if ok { Ok(()) } else { Err(Error::invalid(msg)) };
        check_non_negative("learning rate", self.lr)?;
        check_non_negative("lr_decay value", self.lr_decay)?;
        check_non_negative("weight_decay value", self.weight_decay)?;
        check(
            self.initial_accumulator_value >= 0.0,
            format!(
                "Invalid initial_accumulator_value value: {}",
                self.initial_accumulator_value
            ),
        )?;
        check_non_negative("epsilon value", self.eps)
    }
}

/// Per-parameter state. Unlike the other optimizers PyTorch creates it in the
/// constructor, for every parameter: a state dict lists parameters that never
/// had a gradient, with step 0.
pub struct AdagradState {
    /// PyTorch's float32 step count, kept exactly (see `next_step`).
    pub step: f64,
    pub sum: Tensor,
}

pub struct Adagrad {
    pub config: AdagradConfig,
    params: Vec<Tensor>,
    pub state: Vec<AdagradState>,
}

impl Adagrad {
    pub fn new(params: Vec<Tensor>, config: AdagradConfig) -> Result<Self> {
        config.validate()?;
        let state = params
            .iter()
            .map(|p| {
                Ok(AdagradState {
                    step: 0.0,
                    sum: p.f_full_like(config.initial_accumulator_value)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            config,
            params,
            state,
        })
    }

    fn update(config: &AdagradConfig, param: &mut Tensor, state: &mut AdagradState) -> Result<()> {
        let AdagradConfig {
            lr,
            lr_decay,
            weight_decay,
            eps,
            maximize,
            ..
        } = *config;
        state.step = super::next_step(state.step);
        let step = state.step;
        let mut grad = param.grad();
        if maximize {
            grad = grad.f_neg()?;
        }
        if weight_decay != 0.0 {
            grad = add_scaled(&grad, param, weight_decay)?;
        }
        let clr = lr / (1.0 + (step - 1.0) * lr_decay);
        // state_sum.addcmul_(grad, grad, value=1); std = state_sum.sqrt().add_(eps)
        let _ = state.sum.f_addcmul_(&grad, &grad)?;
        let mut std = state.sum.f_sqrt()?;
        let _ = std.f_add_scalar_(eps)?;
        addcdiv_value_(param, &grad, &std, -clr)
    }
}

impl Optimizer for Adagrad {
    fn step(&mut self) -> Result<()> {
        let _guard = tch::no_grad_guard();
        for (param, state) in self.params.iter_mut().zip(self.state.iter_mut()) {
            if param.grad().defined() {
                Self::update(&self.config, param, state)?;
            }
        }
        Ok(())
    }

    fn params(&self) -> &[Tensor] {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(config: AdagradConfig) -> String {
        Adagrad::new(vec![], config).err().unwrap().to_string()
    }

    #[test]
    fn rejects_bad_hyperparameters_like_pytorch() {
        let d = AdagradConfig::default();
        assert_eq!(
            message(AdagradConfig { lr: -1.0, ..d }),
            "Invalid learning rate: -1"
        );
        assert_eq!(
            message(AdagradConfig {
                lr_decay: -0.1,
                ..d
            }),
            "Invalid lr_decay value: -0.1"
        );
        assert_eq!(
            message(AdagradConfig {
                weight_decay: -1.0,
                ..d
            }),
            "Invalid weight_decay value: -1"
        );
        assert_eq!(
            message(AdagradConfig {
                initial_accumulator_value: -0.5,
                ..d
            }),
            "Invalid initial_accumulator_value value: -0.5"
        );
        assert_eq!(
            message(AdagradConfig { eps: -1.0, ..d }),
            "Invalid epsilon value: -1"
        );
        assert!(d.validate().is_ok());
    }

    #[test]
    fn every_parameter_has_state_from_the_start() {
        let p = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
        let opt = Adagrad::new(
            vec![p],
            AdagradConfig {
                initial_accumulator_value: 0.5,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(opt.state[0].step, 0.0);
        assert!(opt.state[0].sum.equal(&Tensor::from_slice(&[0.5f32, 0.5])));
    }
}
