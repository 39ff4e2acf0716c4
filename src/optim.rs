//! Native optimizers: one parameter group each, one native call per step.
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tch::Tensor as TchTensor;
use torchts_core::hold::{self, Access};
use torchts_core::optim::{
    Adadelta, Adagrad, Adam, AdamConfig, AdamState, Adamax, Nadam, Optimizer, Radam, Rmsprop, Sgd,
    SgdConfig,
};

pub enum Engine {
    Adam(Adam),
    Sgd(Sgd),
    Rmsprop(Rmsprop),
    Adagrad(Adagrad),
    Adadelta(Adadelta),
    Adamax(Adamax),
    Nadam(Nadam),
    Radam(Radam),
}

impl Engine {
    pub fn as_dyn(&mut self) -> &mut dyn torchts_core::optim::Optimizer {
        match self {
            Engine::Adam(a) => a,
            Engine::Sgd(s) => s,
            Engine::Rmsprop(o) => o,
            Engine::Adagrad(o) => o,
            Engine::Adadelta(o) => o,
            Engine::Adamax(o) => o,
            Engine::Nadam(o) => o,
            Engine::Radam(o) => o,
        }
    }
}

/// Adam state of one parameter, as torch.optim.Adam's state_dict holds it.
#[napi(object, object_from_js = false)]
pub struct AdamParamState {
    pub step: f64,
    pub exp_avg: Tensor,
    pub exp_avg_sq: Tensor,
    pub max_exp_avg_sq: Option<Tensor>,
}

#[napi]
pub struct NativeOptimizer {
    /// None while a background fit owns it.
    pub(crate) inner: Option<Engine>,
}

fn shallow(params: &[&Tensor]) -> Result<Vec<TchTensor>> {
    params
        .iter()
        .map(|p| p.get().map(|t| t.shallow_clone()))
        .collect()
}

#[napi]
impl NativeOptimizer {
    #[napi(factory, catch_unwind)]
    pub fn adam(params: Vec<&Tensor>, config: AdamConfig) -> Result<Self> {
        Ok(Self {
            inner: Some(Engine::Adam(
                Adam::new(shallow(&params)?, config).or_throw()?,
            )),
        })
    }

    #[napi(factory, catch_unwind)]
    pub fn sgd(params: Vec<&Tensor>, config: SgdConfig) -> Result<Self> {
        Ok(Self {
            inner: Some(Engine::Sgd(Sgd::new(shallow(&params)?, config).or_throw()?)),
        })
    }

    /// Replaces every Adam hyper-parameter, keeping the state (a changed
    /// param_group, or one loaded from a state dict).
    #[napi(catch_unwind)]
    pub fn configure_adam(&mut self, config: AdamConfig) -> Result<()> {
        config.validate().or_throw()?;
        let Engine::Adam(adam) = self.engine()? else {
            return Err(invalid("not an Adam optimizer"));
        };
        adam.config = config;
        Ok(())
    }

    /// Replaces every SGD hyper-parameter, keeping the momentum buffers.
    #[napi(catch_unwind)]
    pub fn configure_sgd(&mut self, config: SgdConfig) -> Result<()> {
        config.validate().or_throw()?;
        let Engine::Sgd(sgd) = self.engine()? else {
            return Err(invalid("not an SGD optimizer"));
        };
        sgd.config = config;
        Ok(())
    }

    /// True while a background fit (fitAsync) owns the engine.
    #[napi]
    pub fn is_busy(&self) -> bool {
        self.inner.is_none()
    }

    pub(crate) fn engine(&mut self) -> Result<&mut Engine> {
        self.inner
            .as_mut()
            .ok_or_else(|| invalid("optimizer is busy: a background task (fitAsync) is using it"))
    }

    /// One update; refused while forwardAsync reads a parameter.
    #[napi(catch_unwind)]
    pub fn step(&mut self) -> Result<()> {
        let engine = self.engine()?.as_dyn();
        for p in engine.params() {
            hold::check(p, Access::Write, "step the optimizer").or_throw()?;
        }
        engine.step().or_throw()
    }

    #[napi(catch_unwind)]
    pub fn adam_state(&mut self, index: u32) -> Result<Option<AdamParamState>> {
        let Engine::Adam(adam) = self.engine()? else {
            return Err(invalid("not an Adam optimizer"));
        };
        let Some(Some(s)) = adam.state.get(index as usize) else {
            return Ok(None);
        };
        Ok(Some(AdamParamState {
            step: s.step,
            exp_avg: Tensor::new(s.exp_avg.shallow_clone()),
            exp_avg_sq: Tensor::new(s.exp_avg_sq.shallow_clone()),
            max_exp_avg_sq: s
                .max_exp_avg_sq
                .as_ref()
                .map(|t| Tensor::new(t.shallow_clone())),
        }))
    }

    #[napi(catch_unwind)]
    pub fn set_adam_state(
        &mut self,
        index: u32,
        step: f64,
        exp_avg: &Tensor,
        exp_avg_sq: &Tensor,
        max_exp_avg_sq: Option<&Tensor>,
    ) -> Result<()> {
        let (exp_avg, exp_avg_sq, max_exp_avg_sq) = (
            exp_avg.get()?,
            exp_avg_sq.get()?,
            max_exp_avg_sq.map(|t| t.get()).transpose()?,
        );
        let Engine::Adam(adam) = self.engine()? else {
            return Err(invalid("not an Adam optimizer"));
        };
        let param = param_at(adam.params(), index)?;
        let state = AdamState {
            step,
            exp_avg: state_copy(exp_avg, param, index, "exp_avg")?,
            exp_avg_sq: state_copy(exp_avg_sq, param, index, "exp_avg_sq")?,
            max_exp_avg_sq: max_exp_avg_sq
                .map(|t| state_copy(t, param, index, "max_exp_avg_sq"))
                .transpose()?,
        };
        adam.state[index as usize] = Some(state);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn momentum_buffer(&mut self, index: u32) -> Result<Option<Tensor>> {
        let Engine::Sgd(sgd) = self.engine()? else {
            return Err(invalid("not an SGD optimizer"));
        };
        match sgd.momentum_buffer.get(index as usize) {
            Some(Some(b)) => Ok(Some(Tensor::new(b.shallow_clone()))),
            _ => Ok(None),
        }
    }

    #[napi(catch_unwind)]
    pub fn set_momentum_buffer(&mut self, index: u32, buffer: &Tensor) -> Result<()> {
        let buffer = buffer.get()?;
        let Engine::Sgd(sgd) = self.engine()? else {
            return Err(invalid("not an SGD optimizer"));
        };
        let b = state_copy(
            buffer,
            param_at(sgd.params(), index)?,
            index,
            "momentum_buffer",
        )?;
        sgd.momentum_buffer[index as usize] = Some(b);
        Ok(())
    }
}

fn param_at(params: &[TchTensor], index: u32) -> Result<&TchTensor> {
    params
        .get(index as usize)
        .ok_or_else(|| invalid(format!("no parameter {index} in this group")))
}

/// A private copy of loaded state on the parameter's device and dtype, as
/// torch.optim.Optimizer.load_state_dict casts it; a wrong shape is named now
/// rather than failing inside a later step.
fn state_copy(t: &TchTensor, param: &TchTensor, index: u32, name: &str) -> Result<TchTensor> {
    if t.size() != param.size() {
        return Err(invalid(format!(
            "state {name} of parameter {index} has shape {:?}, but the parameter has shape {:?}",
            t.size(),
            param.size()
        )));
    }
    t.f_detach()
        .and_then(|t| t.f_to_device(param.device()))
        .and_then(|t| t.f_to_kind(param.kind()))
        .and_then(|t| t.f_detach_copy())
        .or_throw()
}

// One file per optimizer added after Adam and SGD: its factory,
// configure_* and state accessors, in `#[napi] impl NativeOptimizer` blocks
// (declared after the struct: napi's macro must have parsed it first).
mod adadelta;
mod adagrad;
mod adamax;
mod nadam;
mod radam;
mod rmsprop;
