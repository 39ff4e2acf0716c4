//! Ops that take a Python number (a libtorch Scalar), called through
//! libtorch's C API as torch-sys declares it: tch frees its temporary Scalar
//! before it reads libtorch's error, and that free panics (aborting Node)
//! whenever the op failed, e.g. `int_tensor.pow(-1)`. Also how a JS number
//! stands for a Python number: its int/float kind and the dtype it promotes to.
use crate::error::take_libtorch_error;
use crate::Result;
use std::ffi::c_int;
use tch::{Device, Kind, TchError, Tensor};
use torch_sys::{C_scalar, C_tensor};

pub use torch_sys::c_generated as c;

/// A libtorch op taking one tensor and one Scalar (`atg_fill_`, `atg_eq`, …).
pub type ScalarOp = unsafe extern "C" fn(*mut *mut C_tensor, *mut C_tensor, *mut C_scalar);

/// The C handle of a tensor, for the C API's inputs.
pub fn ptr(t: &Tensor) -> *mut C_tensor {
    t.as_ptr().cast_mut()
}

/// Whether a JS number stands for a Python int literal: JS cannot tell
/// 2 from 2.0, so integral values are ints (int tensors keep their dtype
/// in `x + 2`); -0 stays a float, as only a float can be -0.
pub fn is_int_literal(value: f64) -> bool {
    value.fract() == 0.0 && value.abs() < 9.2e18 && !(value == 0.0 && value.is_sign_negative())
}

fn new_scalar(value: f64) -> *mut C_scalar {
    unsafe {
        if is_int_literal(value) {
            torch_sys::ats_int(value as i64)
        } else {
            torch_sys::ats_float(value)
        }
    }
}

/// Runs `call` with `values` as libtorch Scalars and takes its one output,
/// reading libtorch's error before anything is freed.
pub fn with_scalars(
    values: &[f64],
    call: impl FnOnce(&[*mut C_scalar], *mut *mut C_tensor),
) -> std::result::Result<Tensor, TchError> {
    let scalars: Vec<*mut C_scalar> = values.iter().map(|&v| new_scalar(v)).collect();
    let mut out: *mut C_tensor = std::ptr::null_mut();
    call(&scalars, &mut out);
    let err = take_libtorch_error();
    for s in scalars {
        unsafe { torch_sys::ats_free(s) };
    }
    if let Some(text) = err {
        return Err(TchError::Torch(text));
    }
    Ok(unsafe { Tensor::from_ptr(out) })
}

/// `op(t, value)`.
pub fn scalar_op(t: &Tensor, value: f64, op: ScalarOp) -> Result<Tensor> {
    Ok(with_scalars(&[value], |s, out| unsafe {
        op(out, ptr(t), s[0])
    })?)
}

/// c10::ScalarType codes (tch keeps its table private).
pub fn kind_code(kind: Kind) -> c_int {
    match kind {
        Kind::Uint8 => 0,
        Kind::Int8 => 1,
        Kind::Int16 => 2,
        Kind::Int => 3,
        Kind::Int64 => 4,
        Kind::Half => 5,
        Kind::Float => 6,
        Kind::Double => 7,
        Kind::ComplexFloat => 9,
        Kind::ComplexDouble => 10,
        Kind::Bool => 11,
        Kind::BFloat16 => 15,
        other => panic!("no ScalarType code for {other:?}"),
    }
}

/// tch's device codes: -1 cpu, -2 mps, n cuda:n.
pub fn device_code(device: Device) -> c_int {
    match device {
        Device::Cpu => -1,
        Device::Mps => -2,
        Device::Vulkan => -3,
        Device::Cuda(i) => i as c_int,
    }
}

/// The 0-dim tensor that stands for a JS number beside `t`, with a dtype that
/// promotes as Python's wrapped numbers do: beside a tensor of a lower
/// category (a float number, an int tensor) it takes the default dtype,
/// otherwise `t`'s dtype wins. Made as int64/float64 and then cast, so
/// out-of-range values wrap as in Python rather than failing.
pub fn number_tensor(t: &Tensor, value: f64) -> Result<Tensor> {
    let kind = t.kind();
    let int_literal = is_int_literal(value);
    let int_tensor = !t.is_floating_point()
        && !matches!(kind, Kind::Bool | Kind::ComplexFloat | Kind::ComplexDouble);
    let natural = if int_literal {
        Kind::Int64
    } else {
        Kind::Double
    };
    let target = if t.dim() == 0 && (t.is_floating_point() || int_literal && int_tensor) {
        kind // two 0-dim operands promote together: the number must not widen t
    } else if !int_literal && !t.is_floating_point() {
        Kind::Float
    } else {
        natural // a dimensioned t wins within its category, and the op sees the exact value
    };
    let number = with_scalars(&[value], |s, out| unsafe {
        c::atg_scalar_tensor(out, s[0], kind_code(natural), device_code(Device::Cpu))
    })?;
    if target == natural {
        Ok(number)
    } else {
        Ok(number.f_to_kind(target)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_promote_as_python_wrapped_numbers() {
        let ints = Tensor::from_slice(&[1i32, 2]);
        assert_eq!(number_tensor(&ints, 2.0).unwrap().kind(), Kind::Int64);
        assert_eq!(number_tensor(&ints, 2.5).unwrap().kind(), Kind::Float);
        let halves = Tensor::from_slice(&[1.0f32]).to_kind(Kind::Half);
        assert_eq!(number_tensor(&halves, 0.1).unwrap().kind(), Kind::Double);
        assert!(!is_int_literal(-0.0));
    }

    #[test]
    fn a_failing_scalar_op_is_an_error_not_an_abort() {
        let ints = Tensor::from_slice(&[2i64, 3]);
        let err = scalar_op(&ints, -1.0, c::atg_pow_tensor_scalar).unwrap_err();
        assert!(
            err.to_string()
                .contains("Integers to negative integer powers are not allowed"),
            "{err}"
        );
        let ok = scalar_op(&ints, 2.0, c::atg_pow_tensor_scalar).unwrap();
        assert_eq!(Vec::<i64>::try_from(&ok).unwrap(), vec![4, 9]);
    }
}
