//! torch.optim.Adadelta's native engine: factory, hyper-parameters, state.
use super::{param_at, shallow, state_copy, Engine, NativeOptimizer};
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::optim::{Adadelta, AdadeltaConfig, AdadeltaState, Optimizer};

/// Adadelta state of one parameter, as torch.optim.Adadelta's state_dict holds it.
#[napi(object, object_from_js = false)]
pub struct AdadeltaParamState {
    pub step: f64,
    pub square_avg: Tensor,
    pub acc_delta: Tensor,
}

fn adadelta(engine: &mut Engine) -> Result<&mut Adadelta> {
    match engine {
        Engine::Adadelta(o) => Ok(o),
        _ => Err(invalid("not an Adadelta optimizer")),
    }
}

#[napi]
impl NativeOptimizer {
    #[napi(factory, catch_unwind)]
    pub fn adadelta(params: Vec<&Tensor>, config: AdadeltaConfig) -> Result<Self> {
        let engine = Adadelta::new(shallow(&params)?, config).or_throw()?;
        Ok(Self {
            inner: Some(Engine::Adadelta(engine)),
        })
    }

    /// Replaces every Adadelta hyper-parameter, keeping the state.
    #[napi(catch_unwind)]
    pub fn configure_adadelta(&mut self, config: AdadeltaConfig) -> Result<()> {
        config.validate().or_throw()?;
        adadelta(self.engine()?)?.config = config;
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn adadelta_state(&mut self, index: u32) -> Result<Option<AdadeltaParamState>> {
        let engine = adadelta(self.engine()?)?;
        let Some(Some(s)) = engine.state.get(index as usize) else {
            return Ok(None);
        };
        Ok(Some(AdadeltaParamState {
            step: s.step,
            square_avg: Tensor::new(s.square_avg.shallow_clone()),
            acc_delta: Tensor::new(s.acc_delta.shallow_clone()),
        }))
    }

    #[napi(catch_unwind)]
    pub fn set_adadelta_state(
        &mut self,
        index: u32,
        step: f64,
        square_avg: &Tensor,
        acc_delta: &Tensor,
    ) -> Result<()> {
        let (square_avg, acc_delta) = (square_avg.get()?, acc_delta.get()?);
        let engine = adadelta(self.engine()?)?;
        let param = param_at(engine.params(), index)?;
        let state = AdadeltaState {
            step: f64::from(step as f32),
            square_avg: state_copy(square_avg, param, index, "square_avg")?,
            acc_delta: state_copy(acc_delta, param, index, "acc_delta")?,
        };
        engine.state[index as usize] = Some(state);
        Ok(())
    }
}
