//! A model of built-in layers as the TS layer describes it, rebuilt over the
//! JS parameters' storage: `layers` like ["linear", "relu", "linear_nobias",
//! "dropout:0.5", "flatten:1:-1"], `params` each linear layer's weight then bias.
use crate::error::invalid;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use torchts_core::nn::{Layer, Sequential};

pub fn build_model(layers: &[String], params: &[&Tensor]) -> Result<Sequential> {
    let mut next = params.iter();
    let mut take = |what: &str| -> Result<tch::Tensor> {
        next.next()
            .ok_or_else(|| invalid(format!("missing {what} tensor for a linear layer")))?
            .get()
            .map(|t| t.shallow_clone())
    };
    let mut out = Vec::with_capacity(layers.len());
    for spec in layers {
        let mut parts = spec.split(':');
        let layer = match parts.next().unwrap_or("") {
            "linear" => Layer::Linear {
                weight: take("weight")?,
                bias: Some(take("bias")?),
            },
            "linear_nobias" => Layer::Linear {
                weight: take("weight")?,
                bias: None,
            },
            "relu" => Layer::ReLU,
            "sigmoid" => Layer::Sigmoid,
            "tanh" => Layer::Tanh,
            "identity" => Layer::Identity,
            "dropout" => Layer::Dropout {
                p: parts
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or_else(|| invalid("dropout needs p"))?,
            },
            "flatten" => {
                let start = parts.next().and_then(|p| p.parse().ok()).unwrap_or(1);
                let end = parts.next().and_then(|p| p.parse().ok()).unwrap_or(-1);
                Layer::Flatten {
                    start_dim: start,
                    end_dim: end,
                }
            }
            other => {
                return Err(invalid(format!(
                    "layer '{other}' has no native implementation"
                )))
            }
        };
        out.push(layer);
    }
    Ok(Sequential { layers: out })
}
