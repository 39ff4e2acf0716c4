//! Tensor factories: torch.zeros, ones, full, empty, rand, randn, randint,
//! arange, linspace, eye, cat, stack (PyTorch's default dtypes).
//! Sizes, ranges and fill values are checked by libtorch itself, so errors
//! read exactly as PyTorch's.
use crate::error::{invalid, OrThrow};
use crate::generator::NativeGenerator;
use crate::tensor::{device_arg, kind_arg, Tensor};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tch::{Kind, Tensor as TchTensor};
use torchts_core::scalar;

fn options(
    dtype: Option<String>,
    device: Option<String>,
    default: Kind,
) -> Result<(Kind, tch::Device)> {
    Ok((kind_arg(dtype, default)?, device_arg(device)?))
}

#[napi(catch_unwind)]
pub fn zeros(shape: Vec<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    Ok(Tensor::new(
        TchTensor::f_zeros(shape.as_slice(), options(dtype, device, Kind::Float)?).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn ones(shape: Vec<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    Ok(Tensor::new(
        TchTensor::f_ones(shape.as_slice(), options(dtype, device, Kind::Float)?).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn empty(shape: Vec<i64>, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
    Ok(Tensor::new(
        TchTensor::f_empty(shape.as_slice(), options(dtype, device, Kind::Float)?).or_throw()?,
    ))
}

/// torch.full infers int64 from an integral fill value, float32 otherwise, bool from booleans (TS side).
#[napi(catch_unwind)]
pub fn full(
    shape: Vec<i64>,
    value: f64,
    dtype: Option<String>,
    device: Option<String>,
) -> Result<Tensor> {
    let default = if scalar::is_int_literal(value) {
        Kind::Int64
    } else {
        Kind::Float
    };
    let (kind, device) = options(dtype, device, default)?;
    let out = scalar::with_scalars(&[value], |s, out| unsafe {
        scalar::c::atg_full(
            out,
            shape.as_ptr(),
            shape.len() as i32,
            s[0],
            scalar::kind_code(kind),
            scalar::device_code(device),
        )
    });
    Ok(Tensor::new(out.or_throw()?))
}

/// torch.rand, or torch.randn when `normal`, from `generator` or the global one.
fn random_floats(
    shape: Vec<i64>,
    dtype: Option<String>,
    device: Option<String>,
    generator: Option<&NativeGenerator>,
    normal: bool,
) -> Result<Tensor> {
    let (kind, device) = options(dtype, device, Kind::Float)?;
    let out = match (generator, normal) {
        (Some(g), _) => g.inner.rand(&shape, kind, device, normal).or_throw()?,
        (None, false) => TchTensor::f_rand(shape.as_slice(), (kind, device)).or_throw()?,
        (None, true) => TchTensor::f_randn(shape.as_slice(), (kind, device)).or_throw()?,
    };
    Ok(Tensor::new(out))
}

#[napi(catch_unwind)]
pub fn rand(
    shape: Vec<i64>,
    dtype: Option<String>,
    device: Option<String>,
    generator: Option<&NativeGenerator>,
) -> Result<Tensor> {
    random_floats(shape, dtype, device, generator, false)
}

#[napi(catch_unwind)]
pub fn randn(
    shape: Vec<i64>,
    dtype: Option<String>,
    device: Option<String>,
    generator: Option<&NativeGenerator>,
) -> Result<Tensor> {
    random_floats(shape, dtype, device, generator, true)
}

#[napi(catch_unwind)]
pub fn randint(
    low: i64,
    high: i64,
    shape: Vec<i64>,
    dtype: Option<String>,
    device: Option<String>,
    generator: Option<&NativeGenerator>,
) -> Result<Tensor> {
    let (kind, device) = options(dtype, device, Kind::Int64)?;
    let out = match generator {
        Some(g) => g
            .inner
            .randint(low, high, &shape, kind, device)
            .or_throw()?,
        None => TchTensor::f_randint_low(low, high, shape.as_slice(), (kind, device)).or_throw()?,
    };
    Ok(Tensor::new(out))
}

#[napi(catch_unwind)]
pub fn randperm(
    n: i64,
    dtype: Option<String>,
    device: Option<String>,
    generator: Option<&NativeGenerator>,
) -> Result<Tensor> {
    let (kind, device) = options(dtype, device, Kind::Int64)?;
    let out = match generator {
        Some(g) => g.inner.randperm(n, kind, device).or_throw()?,
        None => TchTensor::f_randperm(n, (kind, device)).or_throw()?,
    };
    Ok(Tensor::new(out))
}

/// torch.arange: int64 when start, end and step are all integral, else float32.
#[napi(catch_unwind)]
pub fn arange(
    start: f64,
    end: f64,
    step: f64,
    dtype: Option<String>,
    device: Option<String>,
) -> Result<Tensor> {
    let integral = [start, end, step].into_iter().all(scalar::is_int_literal);
    let (kind, device) = options(
        dtype,
        device,
        if integral { Kind::Int64 } else { Kind::Float },
    )?;
    // libtorch divides by the step cast to the dtype: for an integer dtype a
    // step in (-1, 1) becomes 0 and kills the process with SIGFPE (Python too).
    let integer_dtype = matches!(
        kind,
        Kind::Int64 | Kind::Int | Kind::Int16 | Kind::Int8 | Kind::Uint8
    );
    if integer_dtype && step != 0.0 && step.trunc() == 0.0 {
        return Err(invalid(format!(
            "arange: step {step} becomes 0 for dtype {}; use a step of at least 1",
            torchts_core::kind::kind_name(kind)
        )));
    }
    let out = scalar::with_scalars(&[start, end, step], |s, out| unsafe {
        scalar::c::atg_arange_start_step(
            out,
            s[0],
            s[1],
            s[2],
            scalar::kind_code(kind),
            scalar::device_code(device),
        )
    });
    Ok(Tensor::new(out.or_throw()?))
}

#[napi(catch_unwind)]
pub fn linspace(
    start: f64,
    end: f64,
    steps: i64,
    dtype: Option<String>,
    device: Option<String>,
) -> Result<Tensor> {
    let (kind, device) = options(dtype, device, Kind::Float)?;
    let out = scalar::with_scalars(&[start, end], |s, out| unsafe {
        scalar::c::atg_linspace(
            out,
            s[0],
            s[1],
            steps,
            scalar::kind_code(kind),
            scalar::device_code(device),
        )
    });
    Ok(Tensor::new(out.or_throw()?))
}

#[napi(catch_unwind)]
pub fn eye(
    n: i64,
    m: Option<i64>,
    dtype: Option<String>,
    device: Option<String>,
) -> Result<Tensor> {
    Ok(Tensor::new(
        TchTensor::f_eye_m(n, m.unwrap_or(n), options(dtype, device, Kind::Float)?).or_throw()?,
    ))
}

fn handles(tensors: &[&Tensor]) -> Result<Vec<TchTensor>> {
    tensors
        .iter()
        .map(|t| t.get().map(|t| t.shallow_clone()))
        .collect()
}

#[napi(catch_unwind)]
pub fn cat(tensors: Vec<&Tensor>, dim: i64) -> Result<Tensor> {
    Ok(Tensor::new(
        TchTensor::f_cat(&handles(&tensors)?, dim).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn stack(tensors: Vec<&Tensor>, dim: i64) -> Result<Tensor> {
    Ok(Tensor::new(
        TchTensor::f_stack(&handles(&tensors)?, dim).or_throw()?,
    ))
}
