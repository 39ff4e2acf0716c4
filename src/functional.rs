//! torch.nn.functional: layers and losses as single native calls, running the
//! same engine code (`torchts_core::nn`) that fused training runs.
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::nn::{parse_reduction, Loss};

#[napi(object)]
#[derive(Clone)]
pub struct LossOptions {
    /// @default "mean"
    pub reduction: Option<String>,
    /// @default -100
    pub ignore_index: Option<i64>,
    /// @default 0
    pub label_smoothing: Option<f64>,
}

/// Builds an engine loss from its PyTorch name and options.
pub fn make_loss(
    name: &str,
    options: Option<LossOptions>,
    weight: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
) -> Result<Loss> {
    let o = options.unwrap_or(LossOptions {
        reduction: None,
        ignore_index: None,
        label_smoothing: None,
    });
    let reduction = parse_reduction(o.reduction.as_deref().unwrap_or("mean")).or_throw()?;
    let weight = weight
        .map(|w| w.get().map(|t| t.shallow_clone()))
        .transpose()?;
    let pos_weight = pos_weight
        .map(|w| w.get().map(|t| t.shallow_clone()))
        .transpose()?;
    let ignore_index = o.ignore_index.unwrap_or(-100);
    Ok(match name {
        "cross_entropy" => {
            let label_smoothing = o.label_smoothing.unwrap_or(0.0);
            if !(0.0..=1.0).contains(&label_smoothing) {
                return Err(crate::error::invalid(format!(
                    "label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"
                )));
            }
            Loss::CrossEntropy {
                weight,
                reduction,
                ignore_index,
                label_smoothing,
            }
        }
        "nll" => Loss::Nll {
            weight,
            reduction,
            ignore_index,
        },
        "mse" => Loss::Mse { reduction },
        "bce_with_logits" => Loss::BceWithLogits {
            weight,
            pos_weight,
            reduction,
        },
        other => return Err(crate::error::invalid(format!("unknown loss '{other}'"))),
    })
}

#[napi(catch_unwind)]
pub fn loss(
    name: String,
    input: &Tensor,
    target: &Tensor,
    options: Option<LossOptions>,
    weight: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
) -> Result<Tensor> {
    let loss = make_loss(&name, options, weight, pos_weight)?;
    Ok(Tensor::new(
        loss.forward(input.get()?, target.get()?).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn linear(input: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let bias = bias.map(|b| b.get()).transpose()?;
    Ok(Tensor::new(
        input.get()?.f_linear(weight.get()?, bias).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn dropout(input: &Tensor, p: f64, training: bool) -> Result<Tensor> {
    if !(0.0..=1.0).contains(&p) {
        return Err(crate::error::invalid(format!(
            "dropout probability has to be between 0 and 1, but got {p}"
        )));
    }
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
