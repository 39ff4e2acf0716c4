//! SGD with momentum, dampening, Nesterov and weight decay (`_single_tensor_sgd`).
use super::{add_scaled, add_scaled_, check_non_negative, Optimizer};
use crate::{Error, Result};
use tch::Tensor;

#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, Copy)]
pub struct SgdConfig {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    pub maximize: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }
}

impl SgdConfig {
    pub fn validate(&self) -> Result<()> {
        let check = |ok: bool, msg: String| if ok { Ok(()) } else { Err(Error::invalid(msg)) };
        check_non_negative("learning rate", self.lr)?;
        check_non_negative("momentum value", self.momentum)?;
        check_non_negative("weight_decay value", self.weight_decay)?;
        check(
            !self.nesterov || (self.momentum > 0.0 && self.dampening == 0.0),
            "Nesterov momentum requires a momentum and zero dampening".to_string(),
        )
    }
}

pub struct Sgd {
    pub config: SgdConfig,
    params: Vec<Tensor>,
    pub momentum_buffer: Vec<Option<Tensor>>,
}

impl Sgd {
    pub fn new(params: Vec<Tensor>, config: SgdConfig) -> Result<Self> {
        config.validate()?;
        let momentum_buffer = params.iter().map(|_| None).collect();
        Ok(Self {
            config,
            params,
            momentum_buffer,
        })
    }
}

impl Optimizer for Sgd {
    fn step(&mut self) -> Result<()> {
        let SgdConfig {
            lr,
            momentum,
            dampening,
            weight_decay,
            nesterov,
            maximize,
        } = self.config;
        let _guard = tch::no_grad_guard();
        for (param, buf) in self.params.iter_mut().zip(self.momentum_buffer.iter_mut()) {
            let mut grad = param.grad();
            if !grad.defined() {
                continue;
            }
            if maximize {
                grad = grad.f_neg()?;
            }
            if weight_decay != 0.0 {
                grad = add_scaled(&grad, param, weight_decay)?;
            }
            if momentum != 0.0 {
                let b = match buf {
                    Some(b) => {
                        let _ = b.f_mul_scalar_(momentum)?;
                        add_scaled_(b, &grad, 1.0 - dampening)?;
                        b.shallow_clone()
                    }
                    None => {
                        // A copy: the grad's storage is zeroed and reused by the next backward.
                        let b = grad.f_detach_copy()?;
                        *buf = Some(b.shallow_clone());
                        b
                    }
                };
                grad = if nesterov {
                    add_scaled(&grad, &b, momentum)?
                } else {
                    b
                };
            }
            add_scaled_(param, &grad, -lr)?;
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
    use tch::{Device, Kind};

    #[test]
    fn momentum_buffer_survives_zero_grad() {
        // torch: step 1 buf = g; step 2 buf = 0.9 * g + g; p -= lr * buf each step.
        let p = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
        let mut opt = Sgd::new(
            vec![p.shallow_clone()],
            SgdConfig {
                lr: 0.5,
                momentum: 0.9,
                ..Default::default()
            },
        )
        .unwrap();
        for _ in 0..2 {
            opt.zero_grad();
            (&p * 2.0).sum(Kind::Float).backward();
            opt.step().unwrap();
        }
        let got = p.detach().to_device(Device::Cpu).double_value(&[0]);
        assert!((got - (1.0 - 0.5 * 2.0 - 0.5 * 3.8)).abs() < 1e-6, "{got}");
    }
}
