//! torch.optim.RMSprop's native engine: factory, hyper-parameters, state.
use super::{param_at, shallow, state_copy, Engine, NativeOptimizer};
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::optim::{Optimizer, Rmsprop, RmspropConfig, RmspropState};

/// RMSprop state of one parameter, as torch.optim.RMSprop's state_dict holds it.
#[napi(object, object_from_js = false)]
pub struct RmspropParamState {
    pub step: f64,
    pub square_avg: Tensor,
    pub momentum_buffer: Option<Tensor>,
    pub grad_avg: Option<Tensor>,
}

fn rmsprop(engine: &mut Engine) -> Result<&mut Rmsprop> {
    match engine {
        Engine::Rmsprop(o) => Ok(o),
        _ => Err(invalid("not an RMSprop optimizer")),
    }
}

#[napi]
impl NativeOptimizer {
    #[napi(factory, catch_unwind)]
    pub fn rmsprop(params: Vec<&Tensor>, config: RmspropConfig) -> Result<Self> {
        let engine = Rmsprop::new(shallow(&params)?, config).or_throw()?;
        Ok(Self {
            inner: Some(Engine::Rmsprop(engine)),
        })
    }

    /// Replaces every RMSprop hyper-parameter, keeping the state.
    #[napi(catch_unwind)]
    pub fn configure_rmsprop(&mut self, config: RmspropConfig) -> Result<()> {
        config.validate().or_throw()?;
        rmsprop(self.engine()?)?.config = config;
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn rmsprop_state(&mut self, index: u32) -> Result<Option<RmspropParamState>> {
        let engine = rmsprop(self.engine()?)?;
        let Some(Some(s)) = engine.state.get(index as usize) else {
            return Ok(None);
        };
        let wrap = |t: &tch::Tensor| Tensor::new(t.shallow_clone());
        Ok(Some(RmspropParamState {
            step: s.step,
            square_avg: wrap(&s.square_avg),
            momentum_buffer: s.momentum_buffer.as_ref().map(wrap),
            grad_avg: s.grad_avg.as_ref().map(wrap),
        }))
    }

    #[napi(catch_unwind)]
    pub fn set_rmsprop_state(
        &mut self,
        index: u32,
        step: f64,
        square_avg: &Tensor,
        momentum_buffer: Option<&Tensor>,
        grad_avg: Option<&Tensor>,
    ) -> Result<()> {
        let (square_avg, momentum_buffer, grad_avg) = (
            square_avg.get()?,
            momentum_buffer.map(|t| t.get()).transpose()?,
            grad_avg.map(|t| t.get()).transpose()?,
        );
        let engine = rmsprop(self.engine()?)?;
        let param = param_at(engine.params(), index)?;
        let state = RmspropState {
            step: f64::from(step as f32),
            square_avg: state_copy(square_avg, param, index, "square_avg")?,
            momentum_buffer: momentum_buffer
                .map(|t| state_copy(t, param, index, "momentum_buffer"))
                .transpose()?,
            grad_avg: grad_avg
                .map(|t| state_copy(t, param, index, "grad_avg"))
                .transpose()?,
        };
        engine.state[index as usize] = Some(state);
        Ok(())
    }
}
