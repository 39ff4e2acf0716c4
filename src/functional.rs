//! torch.nn.functional's layers as single native calls (losses: loss.rs).
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::nn::check_dropout_probability;

#[napi(catch_unwind)]
pub fn linear(input: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let bias = bias.map(|b| b.get()).transpose()?;
    Ok(Tensor::new(
        input.get()?.f_linear(weight.get()?, bias).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn dropout(input: &Tensor, p: f64, training: bool) -> Result<Tensor> {
    check_dropout_probability(p).or_throw()?;
    Ok(Tensor::new(input.get()?.f_dropout(p, training).or_throw()?))
}

/// nn.Linear.reset_parameters, drawing from libtorch's generator as Python does.
#[napi(catch_unwind)]
pub fn linear_reset_parameters(weight: &Tensor, bias: Option<&Tensor>) -> Result<()> {
    let mut w = weight.get()?.shallow_clone();
    let mut b = bias
        .map(|b| b.get().map(|t| t.shallow_clone()))
        .transpose()?;
    torchts_core::init::linear_reset_parameters(&mut w, b.as_mut()).or_throw()
}
