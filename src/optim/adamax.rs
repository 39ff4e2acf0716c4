//! torch.optim.Adamax's native engine: factory, hyper-parameters, state.
use super::{param_at, shallow, state_copy, Engine, NativeOptimizer};
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::optim::{Adamax, AdamaxConfig, AdamaxState, Optimizer};

/// Adamax state of one parameter, as torch.optim.Adamax's state_dict holds it.
#[napi(object, object_from_js = false)]
pub struct AdamaxParamState {
    pub step: f64,
    pub exp_avg: Tensor,
    pub exp_inf: Tensor,
}

fn adamax(engine: &mut Engine) -> Result<&mut Adamax> {
    match engine {
        Engine::Adamax(o) => Ok(o),
        _ => Err(invalid("not an Adamax optimizer")),
    }
}

#[napi]
impl NativeOptimizer {
    #[napi(factory, catch_unwind)]
    pub fn adamax(params: Vec<&Tensor>, config: AdamaxConfig) -> Result<Self> {
        let engine = Adamax::new(shallow(&params)?, config).or_throw()?;
        Ok(Self {
            inner: Some(Engine::Adamax(engine)),
        })
    }

    /// Replaces every Adamax hyper-parameter, keeping the state.
    #[napi(catch_unwind)]
    pub fn configure_adamax(&mut self, config: AdamaxConfig) -> Result<()> {
        config.validate().or_throw()?;
        adamax(self.engine()?)?.config = config;
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn adamax_state(&mut self, index: u32) -> Result<Option<AdamaxParamState>> {
        let engine = adamax(self.engine()?)?;
        let Some(Some(s)) = engine.state.get(index as usize) else {
            return Ok(None);
        };
        Ok(Some(AdamaxParamState {
            step: s.step,
            exp_avg: Tensor::new(s.exp_avg.shallow_clone()),
            exp_inf: Tensor::new(s.exp_inf.shallow_clone()),
        }))
    }

    #[napi(catch_unwind)]
    pub fn set_adamax_state(
        &mut self,
        index: u32,
        step: f64,
        exp_avg: &Tensor,
        exp_inf: &Tensor,
    ) -> Result<()> {
        let (exp_avg, exp_inf) = (exp_avg.get()?, exp_inf.get()?);
        let engine = adamax(self.engine()?)?;
        let param = param_at(engine.params(), index)?;
        let state = AdamaxState {
            step: f64::from(step as f32),
            exp_avg: state_copy(exp_avg, param, index, "exp_avg")?,
            exp_inf: state_copy(exp_inf, param, index, "exp_inf")?,
        };
        engine.state[index as usize] = Some(state);
        Ok(())
    }
}
