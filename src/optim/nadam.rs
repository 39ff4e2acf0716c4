//! torch.optim.NAdam's native engine: factory, hyper-parameters, state.
use super::{param_at, shallow, state_copy, Engine, NativeOptimizer};
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::optim::{Nadam, NadamConfig, NadamState, Optimizer};

/// NAdam state of one parameter, as torch.optim.NAdam's state_dict holds it.
#[napi(object, object_from_js = false)]
pub struct NadamParamState {
    pub step: f64,
    pub mu_product: f64,
    pub exp_avg: Tensor,
    pub exp_avg_sq: Tensor,
}

fn nadam(engine: &mut Engine) -> Result<&mut Nadam> {
    match engine {
        Engine::Nadam(o) => Ok(o),
        _ => Err(invalid("not an NAdam optimizer")),
    }
}

#[napi]
impl NativeOptimizer {
    #[napi(factory, catch_unwind)]
    pub fn nadam(params: Vec<&Tensor>, config: NadamConfig) -> Result<Self> {
        let engine = Nadam::new(shallow(&params)?, config).or_throw()?;
        Ok(Self {
            inner: Some(Engine::Nadam(engine)),
        })
    }

    /// Replaces every NAdam hyper-parameter, keeping the state.
    #[napi(catch_unwind)]
    pub fn configure_nadam(&mut self, config: NadamConfig) -> Result<()> {
        config.validate().or_throw()?;
        nadam(self.engine()?)?.config = config;
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn nadam_state(&mut self, index: u32) -> Result<Option<NadamParamState>> {
        let engine = nadam(self.engine()?)?;
        let Some(Some(s)) = engine.state.get(index as usize) else {
            return Ok(None);
        };
        Ok(Some(NadamParamState {
            step: s.step,
            mu_product: s.mu_product,
            exp_avg: Tensor::new(s.exp_avg.shallow_clone()),
            exp_avg_sq: Tensor::new(s.exp_avg_sq.shallow_clone()),
        }))
    }

    /// `step` and `mu_product` are rounded to float32, the tensors PyTorch keeps them in.
    #[napi(catch_unwind)]
    pub fn set_nadam_state(
        &mut self,
        index: u32,
        step: f64,
        mu_product: f64,
        exp_avg: &Tensor,
        exp_avg_sq: &Tensor,
    ) -> Result<()> {
        let (exp_avg, exp_avg_sq) = (exp_avg.get()?, exp_avg_sq.get()?);
        let engine = nadam(self.engine()?)?;
        let param = param_at(engine.params(), index)?;
        let state = NadamState {
            step: f64::from(step as f32),
            mu_product: f64::from(mu_product as f32),
            exp_avg: state_copy(exp_avg, param, index, "exp_avg")?,
            exp_avg_sq: state_copy(exp_avg_sq, param, index, "exp_avg_sq")?,
        };
        engine.state[index as usize] = Some(state);
        Ok(())
    }
}
