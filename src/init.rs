//! The few ops torch.nn.init and torch.nn.utils need that the tensor API
//! lacks; the functions themselves are TypeScript (ts/nn/init.ts,
//! ts/nn/utils/), one PyTorch op per call, as torch/nn/init.py does them.
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;

extern "C" {
    /// The C library's erf, which CPython's math.erf calls.
    fn erf(x: f64) -> f64;
}

/// `math.erf(x)` exactly as Python computes it (the platform's libm), for
/// trunc_normal_'s bounds: JavaScript has no erf.
#[napi]
pub fn math_erf(x: f64) -> f64 {
    unsafe { erf(x) }
}

/// `torch.erfinv(t)`.
#[napi(catch_unwind)]
pub fn erfinv(tensor: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(tensor.get()?.f_erfinv().or_throw()?))
}

/// `torch.diag(t, diagonal)`.
#[napi(catch_unwind)]
pub fn diag(tensor: &Tensor, diagonal: i64) -> Result<Tensor> {
    Ok(Tensor::new(tensor.get()?.f_diag(diagonal).or_throw()?))
}

/// `torch.linalg.qr(t)` (mode 'reduced'): `[Q, R]`.
#[napi(catch_unwind)]
pub fn linalg_qr(tensor: &Tensor) -> Result<Vec<Tensor>> {
    let (q, r) = tch::Tensor::f_linalg_qr(tensor.get()?, "reduced").or_throw()?;
    Ok(vec![Tensor::new(q), Tensor::new(r)])
}

/// `torch.linalg.vector_norm(t, ord)` over every element. tch leaves
/// linalg_vector_norm out; linalg_norm of the flattened tensor calls it.
#[napi(catch_unwind)]
pub fn vector_norm(tensor: &Tensor, ord: f64) -> Result<Tensor> {
    let flat = tensor.get()?.f_reshape([-1]).or_throw()?;
    let norm = flat
        .f_linalg_norm(ord, None::<&[i64]>, false, None::<tch::Kind>)
        .or_throw()?;
    Ok(Tensor::new(norm))
}
