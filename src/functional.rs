//! torch.nn.functional's layers as single native calls (losses: loss.rs).
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::hold::{self, Access};
use torchts_core::nn::check_dropout_probability;
use torchts_core::nn::functional as F;

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

/// A tensor an op changes in place (running stats, renormalised rows),
/// refused while a background task holds its memory.
fn for_write(t: &Tensor) -> Result<&tch::Tensor> {
    let inner = t.get()?;
    hold::check(inner, Access::Write, "change it in place").or_throw()?;
    Ok(inner)
}

fn optional(t: Option<&Tensor>) -> Result<Option<&tch::Tensor>> {
    t.map(|t| t.get()).transpose()
}

/// `F.conv1d`/`F.conv2d` (by the weight's spatial dims); `paddingString` is 'same' or 'valid'.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn conv(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: Vec<i64>,
    padding: Vec<i64>,
    padding_string: Option<String>,
    dilation: Vec<i64>,
    groups: i64,
) -> Result<Tensor> {
    let out = F::conv(
        input.get()?,
        weight.get()?,
        optional(bias)?,
        &stride,
        &padding,
        padding_string.as_deref(),
        &dilation,
        groups,
    );
    Ok(Tensor::new(out.or_throw()?))
}

/// `F.max_pool1d`/`F.max_pool2d` (by the kernel's length).
#[napi(catch_unwind)]
pub fn max_pool(
    input: &Tensor,
    kernel_size: Vec<i64>,
    stride: Vec<i64>,
    padding: Vec<i64>,
    dilation: Vec<i64>,
    ceil_mode: bool,
) -> Result<Tensor> {
    let out = F::max_pool(
        input.get()?,
        &kernel_size,
        &stride,
        &padding,
        &dilation,
        ceil_mode,
    );
    Ok(Tensor::new(out.or_throw()?))
}

#[napi(js_name = "avgPool2d", catch_unwind)]
pub fn avg_pool2d(
    input: &Tensor,
    kernel_size: Vec<i64>,
    stride: Vec<i64>,
    padding: Vec<i64>,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Option<i64>,
) -> Result<Tensor> {
    let out = F::avg_pool2d(
        input.get()?,
        &kernel_size,
        &stride,
        &padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    );
    Ok(Tensor::new(out.or_throw()?))
}

/// `F.adaptive_avg_pool2d`; a null size keeps the input's.
#[napi(js_name = "adaptiveAvgPool2d", catch_unwind)]
pub fn adaptive_avg_pool2d(input: &Tensor, output_size: Vec<Option<i64>>) -> Result<Tensor> {
    let out = F::adaptive_avg_pool2d(input.get()?, &output_size);
    Ok(Tensor::new(out.or_throw()?))
}

/// `F.batch_norm`: in training the running stats are updated in place.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn batch_norm(
    input: &Tensor,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    training: bool,
    momentum: f64,
    eps: f64,
) -> Result<Tensor> {
    let (mean, var) = if training {
        (
            running_mean.map(|t| for_write(t)).transpose()?,
            running_var.map(|t| for_write(t)).transpose()?,
        )
    } else {
        (optional(running_mean)?, optional(running_var)?)
    };
    let out = F::batch_norm(
        input.get()?,
        mean,
        var,
        optional(weight)?,
        optional(bias)?,
        training,
        momentum,
        eps,
    );
    Ok(Tensor::new(out.or_throw()?))
}

#[napi(catch_unwind)]
pub fn layer_norm(
    input: &Tensor,
    normalized_shape: Vec<i64>,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    let out = F::layer_norm(
        input.get()?,
        &normalized_shape,
        optional(weight)?,
        optional(bias)?,
        eps,
    );
    Ok(Tensor::new(out.or_throw()?))
}

/// `F.embedding`; `paddingIdx` is checked and normalised here as Python does.
#[napi(catch_unwind)]
pub fn embedding(
    input: &Tensor,
    weight: &Tensor,
    padding_idx: Option<i64>,
    scale_grad_by_freq: bool,
    sparse: bool,
) -> Result<Tensor> {
    let w = weight.get()?;
    let rows = w.size().first().copied().unwrap_or(0);
    let idx = F::embedding_padding_idx(padding_idx, rows).or_throw()?;
    let out = F::embedding(input.get()?, w, idx, scale_grad_by_freq, sparse);
    Ok(Tensor::new(out.or_throw()?))
}

/// `F.embedding`'s max_norm: renormalises the rows `input` picks, in place, without grad.
#[napi(catch_unwind)]
pub fn embedding_renorm_(
    weight: &Tensor,
    input: &Tensor,
    max_norm: f64,
    norm_type: f64,
) -> Result<()> {
    let _guard = tch::no_grad_guard();
    let indices = input.get()?.f_contiguous().or_throw()?;
    let mut w = for_write(weight)?.shallow_clone();
    let _ = w
        .f_embedding_renorm_(&indices, max_norm, norm_type)
        .or_throw()?;
    Ok(())
}

#[napi(catch_unwind)]
pub fn gelu(input: &Tensor, approximate: String) -> Result<Tensor> {
    Ok(Tensor::new(F::gelu(input.get()?, &approximate).or_throw()?))
}

#[napi(catch_unwind)]
pub fn silu(input: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(F::silu(input.get()?).or_throw()?))
}

#[napi(catch_unwind)]
pub fn leaky_relu(input: &Tensor, negative_slope: f64) -> Result<Tensor> {
    Ok(Tensor::new(
        F::leaky_relu(input.get()?, negative_slope).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn elu(input: &Tensor, alpha: f64) -> Result<Tensor> {
    Ok(Tensor::new(F::elu(input.get()?, alpha).or_throw()?))
}

#[napi(catch_unwind)]
pub fn softplus(input: &Tensor, beta: f64, threshold: f64) -> Result<Tensor> {
    Ok(Tensor::new(
        F::softplus(input.get()?, beta, threshold).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn hardtanh(input: &Tensor, min_val: f64, max_val: f64) -> Result<Tensor> {
    Ok(Tensor::new(
        F::hardtanh(input.get()?, min_val, max_val).or_throw()?,
    ))
}

/// nn.Conv*d.reset_parameters, drawing from libtorch's generator as Python does.
#[napi(catch_unwind)]
pub fn conv_reset_parameters(weight: &Tensor, bias: Option<&Tensor>) -> Result<()> {
    let mut w = weight.get()?.shallow_clone();
    let mut b = bias
        .map(|b| b.get().map(|t| t.shallow_clone()))
        .transpose()?;
    torchts_core::init::conv_reset_parameters(&mut w, b.as_mut()).or_throw()
}

/// nn.Embedding.reset_parameters: N(0, 1), the padding row (normalised) zeroed.
#[napi(catch_unwind)]
pub fn embedding_reset_parameters(weight: &Tensor, padding_idx: Option<i64>) -> Result<()> {
    let mut w = weight.get()?.shallow_clone();
    torchts_core::init::embedding_reset_parameters(&mut w, padding_idx).or_throw()
}

#[napi(catch_unwind)]
pub fn unflatten(input: &Tensor, dim: i64, sizes: Vec<i64>) -> Result<Tensor> {
    Ok(Tensor::new(
        input.get()?.f_unflatten(dim, sizes.as_slice()).or_throw()?,
    ))
}

/// `F.conv_transpose1d`/`F.conv_transpose2d` (by the weight's spatial dims).
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn conv_transpose(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: Vec<i64>,
    padding: Vec<i64>,
    output_padding: Vec<i64>,
    groups: i64,
    dilation: Vec<i64>,
) -> Result<Tensor> {
    let out = F::conv_transpose(
        input.get()?,
        weight.get()?,
        optional(bias)?,
        &stride,
        &padding,
        &output_padding,
        groups,
        &dilation,
    );
    Ok(Tensor::new(out.or_throw()?))
}

/// `F.group_norm`, with Python's checks of the input's size.
#[napi(catch_unwind)]
pub fn group_norm(
    input: &Tensor,
    num_groups: i64,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    let out = F::group_norm(
        input.get()?,
        num_groups,
        optional(weight)?,
        optional(bias)?,
        eps,
    );
    Ok(Tensor::new(out.or_throw()?))
}
