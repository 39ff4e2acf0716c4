//! A model crosses from JavaScript as layer specs (`torchts_core::nn::LayerSpec`,
//! typed on both sides) plus every layer's parameters in order; the engine
//! builds its Sequential over the parameters' storage.
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::nn::{LayerSpec, Sequential};

/// Checks a layer's values as PyTorch's constructor does (`nn.Dropout(1.5)`
/// throws), so layers refuse bad values when made, with the engine's checks.
#[napi(catch_unwind)]
pub fn validate_layer(spec: LayerSpec) -> Result<()> {
    spec.validate().or_throw()
}

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
