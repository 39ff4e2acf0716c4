//! A model crosses from JavaScript as layer specs (`torchts_core::nn::LayerSpec`,
//! typed on both sides) plus every layer's parameters in order; the engine
//! builds its Sequential over the parameters' storage.
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use torchts_core::nn::{LayerSpec, Sequential};

pub fn build_model<'a>(
    layers: Vec<LayerSpec>,
    params: impl IntoIterator<Item = &'a Tensor>,
) -> Result<Sequential> {
    let params = params
        .into_iter()
        .map(|p| p.get().map(|t| t.shallow_clone()))
        .collect::<Result<Vec<_>>>()?;
    Sequential::from_specs(layers, params).or_throw()
}
