//! torch.nn.functional's layer ops, each the ATen call Python makes: the
//! binding's `F.*` functions and the engine's `Layer::forward` both call
//! these, so eager and fused give the same numbers.
use crate::shim::check;
use crate::{Error, Result};
use std::ffi::{c_char, c_double};
use tch::Tensor;
use torch_sys::C_tensor;

extern "C" {
    fn tts_leaky_relu(out: *mut *mut C_tensor, x: *mut C_tensor, slope: c_double) -> *mut c_char;
    fn tts_elu(out: *mut *mut C_tensor, x: *mut C_tensor, alpha: c_double) -> *mut c_char;
    fn tts_softplus(
        out: *mut *mut C_tensor,
        x: *mut C_tensor,
        beta: c_double,
        threshold: c_double,
    ) -> *mut c_char;
    fn tts_hardtanh(
        out: *mut *mut C_tensor,
        x: *mut C_tensor,
        min_val: c_double,
        max_val: c_double,
    ) -> *mut c_char;
}

fn shim_output(call: impl FnOnce(*mut *mut C_tensor) -> *mut c_char) -> Result<Tensor> {
    let mut out: *mut C_tensor = std::ptr::null_mut();
    check(call(&mut out))?;
    Ok(unsafe { Tensor::from_ptr(out) })
}

fn raw(t: &Tensor) -> *mut C_tensor {
    t.as_ptr().cast_mut()
}

/// `F.conv1d`/`F.conv2d` (by the kernel's number of spatial dims). A padding
/// string ('same', 'valid') goes to ATen as a string, as Python passes it.
#[allow(clippy::too_many_arguments)]
pub fn conv(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    padding_string: Option<&str>,
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let spatial = weight.dim().saturating_sub(2);
    Ok(match (spatial, padding_string) {
        (1, None) => input.f_conv1d(weight, bias, stride, padding, dilation, groups)?,
        (1, Some(p)) => input.f_conv1d_padding(weight, bias, stride, p, dilation, groups)?,
        (2, None) => input.f_conv2d(weight, bias, stride, padding, dilation, groups)?,
        (2, Some(p)) => input.f_conv2d_padding(weight, bias, stride, p, dilation, groups)?,
        _ => {
            return Err(Error::invalid(format!(
                "conv: expected a weight with 1 or 2 spatial dims, got size {:?}",
                weight.size()
            )))
        }
    })
}

/// `F.conv_transpose1d`/`F.conv_transpose2d` (by the weight's spatial dims).
#[allow(clippy::too_many_arguments)]
pub fn conv_transpose(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    output_padding: &[i64],
    groups: i64,
    dilation: &[i64],
) -> Result<Tensor> {
    Ok(match weight.dim().saturating_sub(2) {
        1 => input.f_conv_transpose1d(
            weight,
            bias,
            stride,
            padding,
            output_padding,
            groups,
            dilation,
        )?,
        2 => input.f_conv_transpose2d(
            weight,
            bias,
            stride,
            padding,
            output_padding,
            groups,
            dilation,
        )?,
        _ => {
            return Err(Error::invalid(format!(
                "conv_transpose: expected a weight with 1 or 2 spatial dims, got size {:?}",
                weight.size()
            )))
        }
    })
}

/// `F.max_pool1d`/`F.max_pool2d` (by the kernel's length); an empty stride means the kernel size.
pub fn max_pool(
    input: &Tensor,
    kernel_size: &[i64],
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    ceil_mode: bool,
) -> Result<Tensor> {
    Ok(match kernel_size.len() {
        1 => input.f_max_pool1d(kernel_size, stride, padding, dilation, ceil_mode)?,
        2 => input.f_max_pool2d(kernel_size, stride, padding, dilation, ceil_mode)?,
        n => {
            return Err(Error::invalid(format!(
                "max_pool: kernel_size must have 1 or 2 elements, got {n}"
            )))
        }
    })
}

/// `F.avg_pool2d`.
pub fn avg_pool2d(
    input: &Tensor,
    kernel_size: &[i64],
    stride: &[i64],
    padding: &[i64],
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Option<i64>,
) -> Result<Tensor> {
    Ok(input.f_avg_pool2d(
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )?)
}

/// `F.adaptive_avg_pool2d`: a None size keeps the input's size there.
pub fn adaptive_avg_pool2d(input: &Tensor, output_size: &[Option<i64>]) -> Result<Tensor> {
    let dims = input.size();
    if output_size.len() != 2 {
        return Err(Error::invalid(format!(
            "adaptive_avg_pool2d: output_size must be 2, got {}",
            output_size.len()
        )));
    }
    let mut size = [0i64; 2];
    for (i, s) in output_size.iter().enumerate() {
        size[i] = match s {
            Some(v) => *v,
            None => {
                let at = dims.len() as i64 - 2 + i as i64;
                *dims.get(at.max(0) as usize).ok_or_else(|| {
                    Error::invalid(format!(
                        "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {dims:?}"
                    ))
                })?
            }
        };
    }
    Ok(input.f_adaptive_avg_pool2d(size)?)
}

/// `F.batch_norm`: in training, running stats (when given) are updated in
/// place by the kernel, with `momentum` as the averaging factor.
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
    if training {
        let size = input.size();
        let per_channel: i64 =
            size.iter().skip(2).product::<i64>() * size.first().copied().unwrap_or(1);
        if per_channel == 1 {
            return Err(Error::invalid(format!(
                "Expected more than 1 value per channel when training, got input size torch.Size([{}])",
                size.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    // torch.backends.cudnn.enabled is True by default in Python.
    Ok(input.f_batch_norm(
        weight,
        bias,
        running_mean,
        running_var,
        training,
        momentum,
        eps,
        true,
    )?)
}

/// `F.layer_norm`.
pub fn layer_norm(
    input: &Tensor,
    normalized_shape: &[i64],
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    Ok(input.f_layer_norm(normalized_shape, weight, bias, eps, true)?)
}

/// `F.group_norm`, with Python's checks before ATen's: at least 2 dims, and
/// more than one value per group (`_verify_batch_size`, in training or not).
pub fn group_norm(
    input: &Tensor,
    num_groups: i64,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    let size = input.size();
    if size.len() < 2 {
        return Err(Error::invalid(format!(
            "Expected at least 2 dimensions for input tensor but received {}",
            size.len()
        )));
    }
    if num_groups == 0 {
        return Err(Error::invalid("integer division or modulo by zero"));
    }
    // Python's `//` floors (num_groups may be negative; ATen then refuses it).
    let product = size[0] * size[1];
    let per_group = product / num_groups
        - i64::from(product % num_groups != 0 && (product < 0) != (num_groups < 0));
    let shape: Vec<i64> = [per_group, num_groups]
        .into_iter()
        .chain(size[2..].iter().copied())
        .collect();
    if shape[0] * shape[2..].iter().product::<i64>() == 1 {
        return Err(Error::invalid(format!(
            "Expected more than 1 value per channel when training, got input size [{}]",
            shape
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // torch.backends.cudnn.enabled is True by default in Python.
    Ok(input.f_group_norm(num_groups, weight, bias, eps, true)?)
}

/// `F.embedding` after Python has normalised `padding_idx` (-1: none).
pub fn embedding(
    input: &Tensor,
    weight: &Tensor,
    padding_idx: i64,
    scale_grad_by_freq: bool,
    sparse: bool,
) -> Result<Tensor> {
    Ok(Tensor::f_embedding(
        weight,
        input,
        padding_idx,
        scale_grad_by_freq,
        sparse,
    )?)
}

/// Python's `F.embedding` check and normalisation of `padding_idx`: -1 for none.
pub fn embedding_padding_idx(padding_idx: Option<i64>, num_embeddings: i64) -> Result<i64> {
    match padding_idx {
        None => Ok(-1),
        Some(p) if p >= 0 && p < num_embeddings => Ok(p),
        Some(p) if p < 0 && p >= -num_embeddings => Ok(num_embeddings + p),
        Some(_) => Err(Error::invalid("Padding_idx must be within num_embeddings")),
    }
}

/// `F.gelu` ('none' or 'tanh', checked by ATen).
pub fn gelu(input: &Tensor, approximate: &str) -> Result<Tensor> {
    Ok(input.f_gelu(approximate)?)
}

pub fn silu(input: &Tensor) -> Result<Tensor> {
    Ok(input.f_silu()?)
}

pub fn leaky_relu(input: &Tensor, negative_slope: f64) -> Result<Tensor> {
    shim_output(|out| unsafe { tts_leaky_relu(out, raw(input), negative_slope) })
}

pub fn elu(input: &Tensor, alpha: f64) -> Result<Tensor> {
    shim_output(|out| unsafe { tts_elu(out, raw(input), alpha) })
}

pub fn softplus(input: &Tensor, beta: f64, threshold: f64) -> Result<Tensor> {
    shim_output(|out| unsafe { tts_softplus(out, raw(input), beta, threshold) })
}

pub fn hardtanh(input: &Tensor, min_val: f64, max_val: f64) -> Result<Tensor> {
    shim_output(|out| unsafe { tts_hardtanh(out, raw(input), min_val, max_val) })
}
