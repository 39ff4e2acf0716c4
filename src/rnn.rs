//! nn.RNN / nn.LSTM / nn.GRU's native calls: the layer's flat-weight layout,
//! its init and its forward (torchts_core::nn::rnn holds the logic).
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::nn::rnn::{RnnConfig, RnnWeight};

fn handles(tensors: &[&Tensor]) -> Result<Vec<tch::Tensor>> {
    tensors
        .iter()
        .map(|t| t.get().map(|t| t.shallow_clone()))
        .collect()
}

/// The flat weights' names and shapes in PyTorch's order, after RNNBase's
/// constructor checks.
#[napi(catch_unwind)]
pub fn rnn_flat_weights(config: RnnConfig) -> Result<Vec<RnnWeight>> {
    config.flat_weights().or_throw()
}

/// `RNNBase.reset_parameters` over the flat weights, drawn in order.
#[napi(catch_unwind)]
pub fn rnn_reset_parameters(config: RnnConfig, params: Vec<&Tensor>) -> Result<()> {
    config.reset_parameters(&mut handles(&params)?).or_throw()
}

/// The forward: `[output, h_n]`, or `[output, h_n, c_n]` for an LSTM; an
/// empty `hx` starts from zeros.
#[napi(catch_unwind)]
pub fn rnn_forward(
    config: RnnConfig,
    input: &Tensor,
    hx: Vec<&Tensor>,
    params: Vec<&Tensor>,
    training: bool,
) -> Result<Vec<Tensor>> {
    let out = config
        .forward(input.get()?, &handles(&hx)?, &handles(&params)?, training)
        .or_throw()?;
    let mut results = vec![Tensor::new(out.output)];
    results.extend(out.hidden.into_iter().map(Tensor::new));
    Ok(results)
}
