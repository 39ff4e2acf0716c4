//! torch.optim.Adagrad's native engine: factory, hyper-parameters, state.
use super::{param_at, shallow, state_copy, Engine, NativeOptimizer};
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::optim::{Adagrad, AdagradConfig, AdagradState, Optimizer};

/// Adagrad state of one parameter, as torch.optim.Adagrad's state_dict holds it.
#[napi(object, object_from_js = false)]
pub struct AdagradParamState {
    pub step: f64,
    pub sum: Tensor,
}

fn adagrad(engine: &mut Engine) -> Result<&mut Adagrad> {
    match engine {
        Engine::Adagrad(o) => Ok(o),
        _ => Err(invalid("not an Adagrad optimizer")),
    }
}

#[napi]
impl NativeOptimizer {
    #[napi(factory, catch_unwind)]
    pub fn adagrad(params: Vec<&Tensor>, config: AdagradConfig) -> Result<Self> {
        let engine = Adagrad::new(shallow(&params)?, config).or_throw()?;
        Ok(Self {
            inner: Some(Engine::Adagrad(engine)),
        })
    }

    /// Replaces every Adagrad hyper-parameter, keeping the state (the sums
    /// keep the initial_accumulator_value they started from, as in PyTorch).
    #[napi(catch_unwind)]
    pub fn configure_adagrad(&mut self, config: AdagradConfig) -> Result<()> {
        config.validate().or_throw()?;
        adagrad(self.engine()?)?.config = config;
        Ok(())
    }

    /// Every parameter has Adagrad state, from the constructor on.
    #[napi(catch_unwind)]
    pub fn adagrad_state(&mut self, index: u32) -> Result<Option<AdagradParamState>> {
        let engine = adagrad(self.engine()?)?;
        Ok(engine.state.get(index as usize).map(|s| AdagradParamState {
            step: s.step,
            sum: Tensor::new(s.sum.shallow_clone()),
        }))
    }

    #[napi(catch_unwind)]
    pub fn set_adagrad_state(&mut self, index: u32, step: f64, sum: &Tensor) -> Result<()> {
        let sum = sum.get()?;
        let engine = adagrad(self.engine()?)?;
        let param = param_at(engine.params(), index)?;
        let state = AdagradState {
            step: f64::from(step as f32),
            sum: state_copy(sum, param, index, "sum")?,
        };
        engine.state[index as usize] = state;
        Ok(())
    }
}
