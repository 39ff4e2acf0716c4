//! Losses as single native calls (`nn.functional.cross_entropy` & co.),
//! running the engine's `Loss`, the code the training loop runs.
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::loss::{Loss, LossSpec};

/// The engine's loss for a spec, with its class weights.
pub fn make_loss(
    spec: LossSpec,
    weight: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
) -> Result<Loss> {
    let shallow = |t: Option<&Tensor>| t.map(|t| t.get().map(|t| t.shallow_clone())).transpose();
    Loss::new(spec, shallow(weight)?, shallow(pos_weight)?).or_throw()
}

#[napi(catch_unwind)]
pub fn loss(
    spec: LossSpec,
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
) -> Result<Tensor> {
    let loss = make_loss(spec, weight, pos_weight)?;
    Ok(Tensor::new(
        loss.forward(input.get()?, target.get()?).or_throw()?,
    ))
}
