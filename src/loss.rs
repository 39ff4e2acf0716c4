//! Losses as single native calls (`nn.functional.cross_entropy` & co.),
//! running the engine's `Loss`, the code the training loop runs.
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::loss::{self, Loss, LossSpec};

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

/// `cosine_embedding_loss(input1, input2, target)`: three inputs, so eager only.
#[napi(catch_unwind)]
pub fn cosine_embedding_loss(
    input1: &Tensor,
    input2: &Tensor,
    target: &Tensor,
    margin: f64,
    reduction: String,
) -> Result<Tensor> {
    let out = loss::cosine_embedding(
        input1.get()?,
        input2.get()?,
        target.get()?,
        margin,
        &reduction,
    );
    Ok(Tensor::new(out.or_throw()?))
}

/// `margin_ranking_loss(input1, input2, target)`: three inputs, so eager only.
#[napi(catch_unwind)]
pub fn margin_ranking_loss(
    input1: &Tensor,
    input2: &Tensor,
    target: &Tensor,
    margin: f64,
    reduction: String,
) -> Result<Tensor> {
    let out = loss::margin_ranking(
        input1.get()?,
        input2.get()?,
        target.get()?,
        margin,
        &reduction,
    );
    Ok(Tensor::new(out.or_throw()?))
}

/// `gaussian_nll_loss(input, target, var)`; `var` is a tensor (`varTensor`)
/// or one number for every element (`varNumber`).
#[napi(catch_unwind)]
pub fn gaussian_nll_loss(
    input: &Tensor,
    target: &Tensor,
    var_tensor: Option<&Tensor>,
    var_number: Option<f64>,
    full: bool,
    eps: f64,
    reduction: String,
) -> Result<Tensor> {
    let var = match (var_tensor, var_number) {
        (Some(t), _) => loss::Variance::Tensor(t.get()?),
        (None, Some(v)) => loss::Variance::Number(v),
        (None, None) => return Err(invalid("gaussian_nll_loss(): var is required")),
    };
    let out = loss::gaussian_nll(input.get()?, target.get()?, var, full, eps, &reduction);
    Ok(Tensor::new(out.or_throw()?))
}
