//! Tensor factories: torch.zeros, ones, full, empty, rand, randn, randint,
//! arange, linspace, eye, cat, stack (PyTorch's default dtypes).
use crate::error::{invalid, OrThrow};
use crate::tensor::{device_arg, dims, kind_arg, scalar, Tensor};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tch::{Kind, Tensor as TchTensor};

fn options(dtype: Option<String>, device: Option<String>, default: Kind) -> Result<(Kind, tch::Device)> {
    Ok((kind_arg(dtype, default)?, device_arg(device)?))
}

#[napi]
pub fn zeros(env: Env, shape: Vec<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    Tensor::wrap(&env, TchTensor::f_zeros(dims(&shape)?, options(dtype, device, Kind::Float)?).or_throw()?)
}

#[napi]
pub fn ones(env: Env, shape: Vec<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    Tensor::wrap(&env, TchTensor::f_ones(dims(&shape)?, options(dtype, device, Kind::Float)?).or_throw()?)
}

#[napi]
pub fn empty(env: Env, shape: Vec<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    Tensor::wrap(&env, TchTensor::f_empty(dims(&shape)?, options(dtype, device, Kind::Float)?).or_throw()?)
}

/// torch.full infers int64 from an integral fill value, float32 otherwise, bool from booleans (TS side).
#[napi]
pub fn full(env: Env, shape: Vec<i64>, value: f64, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    let default = if value.fract() == 0.0 && value.is_finite() { Kind::Int64 } else { Kind::Float };
    Tensor::wrap(&env, TchTensor::f_full(dims(&shape)?, scalar(value), options(dtype, device, default)?).or_throw()?)
}

#[napi]
pub fn rand(env: Env, shape: Vec<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    Tensor::wrap(&env, TchTensor::f_rand(dims(&shape)?, options(dtype, device, Kind::Float)?).or_throw()?)
}

#[napi]
pub fn randn(env: Env, shape: Vec<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    Tensor::wrap(&env, TchTensor::f_randn(dims(&shape)?, options(dtype, device, Kind::Float)?).or_throw()?)
}

#[napi]
pub fn randint(env: Env, low: i64, high: i64, shape: Vec<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    if low >= high {
        return Err(invalid(format!("random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")));
    }
    Tensor::wrap(&env, TchTensor::f_randint_low(low, high, dims(&shape)?, options(dtype, device, Kind::Int64)?).or_throw()?)
}

#[napi]
pub fn randperm(env: Env, n: i64, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    Tensor::wrap(&env, TchTensor::f_randperm(n, options(dtype, device, Kind::Int64)?).or_throw()?)
}

/// torch.arange: int64 when start, end and step are all integral, else float32.
#[napi]
pub fn arange(env: Env, start: f64, end: f64, step: f64, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    if step == 0.0 {
        return Err(invalid("step must be nonzero"));
    }
    if (end - start) / step < 0.0 {
        return Err(invalid("upper bound and larger bound inconsistent with step sign"));
    }
    let integral = [start, end, step].iter().all(|v| v.fract() == 0.0);
    let opts = options(dtype, device, if integral { Kind::Int64 } else { Kind::Float })?;
    Tensor::wrap(&env, TchTensor::f_arange_start_step(scalar(start), scalar(end), scalar(step), opts).or_throw()?)
}

#[napi]
pub fn linspace(env: Env, start: f64, end: f64, steps: i64, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    if steps < 0 {
        return Err(invalid("number of steps must be non-negative"));
    }
    Tensor::wrap(&env, TchTensor::f_linspace(start, end, steps, options(dtype, device, Kind::Float)?).or_throw()?)
}

#[napi]
pub fn eye(env: Env, n: i64, m: Option<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    let m = m.unwrap_or(n);
    if n < 0 || m < 0 {
        return Err(invalid(format!("n and m must be non-negative, got n={n}, m={m}")));
    }
    Tensor::wrap(&env, TchTensor::f_eye_m(n, m, options(dtype, device, Kind::Float)?).or_throw()?)
}

fn handles(tensors: &[&Tensor]) -> Result<Vec<TchTensor>> {
    if tensors.is_empty() {
        return Err(invalid("expected a non-empty list of Tensors"));
    }
    tensors.iter().map(|t| t.get().map(|t| t.shallow_clone())).collect()
}

#[napi]
pub fn cat(env: Env, tensors: Vec<&Tensor>, dim: i64) -> Result<Tensor> {
    Tensor::wrap(&env, TchTensor::f_cat(&handles(&tensors)?, dim).or_throw()?)
}

#[napi]
pub fn stack(env: Env, tensors: Vec<&Tensor>, dim: i64) -> Result<Tensor> {
    Tensor::wrap(&env, TchTensor::f_stack(&handles(&tensors)?, dim).or_throw()?)
}
