//! SGD with momentum, dampening, Nesterov and weight decay (`_single_tensor_sgd`).
use super::Optimizer;
use crate::{Error, Result};
use tch::Tensor;

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
        Self { lr: 1e-3, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: false, maximize: false }
    }
}

impl SgdConfig {
    pub fn validate(&self) -> Result<()> {
        let check = |ok: bool, msg: String| if ok { Ok(()) } else { Err(Error::invalid(msg)) };
        check(self.lr >= 0.0, format!("Invalid learning rate: {}", self.lr))?;
        check(self.momentum >= 0.0, format!("Invalid momentum value: {}", self.momentum))?;
        check(self.weight_decay >= 0.0, format!("Invalid weight_decay value: {}", self.weight_decay))?;
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
        Ok(Self { config, params, momentum_buffer })
    }
}

impl Optimizer for Sgd {
    fn step(&mut self) -> Result<()> {
        let SgdConfig { lr, momentum, dampening, weight_decay, nesterov, maximize } = self.config;
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
                grad = grad.f_add(&param.f_mul_scalar(weight_decay)?)?;
            }
            if momentum != 0.0 {
                let b = match buf {
                    Some(b) => {
                        let _ = b.f_mul_scalar_(momentum)?;
                        let _ = b.f_add_(&grad.f_mul_scalar(1.0 - dampening)?)?;
                        b.shallow_clone()
                    }
                    None => {
                        let b = grad.f_detach()?.f_clone(&grad)?;
                        *buf = Some(b.shallow_clone());
                        b
                    }
                };
                grad = if nesterov { grad.f_add(&b.f_mul_scalar(momentum)?)? } else { b };
            }
            let _ = param.f_sub_(&grad.f_mul_scalar(lr)?)?;
        }
        Ok(())
    }

    fn params(&self) -> &[Tensor] {
        &self.params
    }
}
