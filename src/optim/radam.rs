//! torch.optim.RAdam's native engine: factory, hyper-parameters, state.
use super::{param_at, shallow, state_copy, Engine, NativeOptimizer};
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::optim::{Optimizer, Radam, RadamConfig, RadamState};

/// RAdam state of one parameter, as torch.optim.RAdam's state_dict holds it.
#[napi(object, object_from_js = false)]
pub struct RadamParamState {
    pub step: f64,
    pub exp_avg: Tensor,
    pub exp_avg_sq: Tensor,
}

fn radam(engine: &mut Engine) -> Result<&mut Radam> {
    match engine {
        Engine::Radam(o) => Ok(o),
        _ => Err(invalid("not an RAdam optimizer")),
    }
}

#[napi]
impl NativeOptimizer {
    #[napi(factory, catch_unwind)]
    pub fn radam(params: Vec<&Tensor>, config: RadamConfig) -> Result<Self> {
        let engine = Radam::new(shallow(&params)?, config).or_throw()?;
        Ok(Self {
            inner: Some(Engine::Radam(engine)),
        })
    }

    /// Replaces every RAdam hyper-parameter, keeping the state.
    #[napi(catch_unwind)]
    pub fn configure_radam(&mut self, config: RadamConfig) -> Result<()> {
        config.validate().or_throw()?;
        radam(self.engine()?)?.config = config;
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn radam_state(&mut self, index: u32) -> Result<Option<RadamParamState>> {
        let engine = radam(self.engine()?)?;
        let Some(Some(s)) = engine.state.get(index as usize) else {
            return Ok(None);
        };
        Ok(Some(RadamParamState {
            step: s.step,
            exp_avg: Tensor::new(s.exp_avg.shallow_clone()),
            exp_avg_sq: Tensor::new(s.exp_avg_sq.shallow_clone()),
        }))
    }

    #[napi(catch_unwind)]
    pub fn set_radam_state(
        &mut self,
        index: u32,
        step: f64,
        exp_avg: &Tensor,
        exp_avg_sq: &Tensor,
    ) -> Result<()> {
        let (exp_avg, exp_avg_sq) = (exp_avg.get()?, exp_avg_sq.get()?);
        let engine = radam(self.engine()?)?;
        let param = param_at(engine.params(), index)?;
        let state = RadamState {
            step: f64::from(step as f32),
            exp_avg: state_copy(exp_avg, param, index, "exp_avg")?,
            exp_avg_sq: state_copy(exp_avg_sq, param, index, "exp_avg_sq")?,
        };
        engine.state[index as usize] = Some(state);
        Ok(())
    }
}
