//! Python's indexing, `t[...]` and `t[...] = v`, through libtorch's
//! at::indexing (csrc/indexing.cpp): PyTorch's own rules for every mix of
//! integers, slices, None, Ellipsis, booleans and index tensors.
use crate::shim::check;
use crate::{Error, Result};
use std::ffi::{c_char, c_int};
use tch::Tensor;
use torch_sys::C_tensor;

extern "C" {
    fn tts_index(
        t: *mut C_tensor,
        kinds: *const i32,
        values: *const i64,
        tensors: *const *mut C_tensor,
        n: usize,
        out: *mut *mut C_tensor,
    ) -> *mut c_char;
    fn tts_index_put(
        t: *mut C_tensor,
        kinds: *const i32,
        values: *const i64,
        tensors: *const *mut C_tensor,
        n: usize,
        value: *mut C_tensor,
    ) -> *mut c_char;
}

/// One item of a Python index expression.
#[derive(Clone, Copy)]
pub enum TensorIndex<'a> {
    /// `t[2]`: selects, removing the dim.
    Int(i64),
    /// `t[start:stop:step]`; None bounds are Python's omitted ones.
    Slice(Option<i64>, Option<i64>, i64),
    /// `t[None]`: a new dim of size 1.
    NewAxis,
    /// `t[...]`.
    Ellipsis,
    /// `t[True]` / `t[False]`.
    Bool(bool),
    /// An int64 index tensor or a bool mask.
    Tensor(&'a Tensor),
}

/// The C encoding: a kind per item, three values per item, a tensor slot per item.
struct Encoded {
    kinds: Vec<i32>,
    values: Vec<i64>,
    tensors: Vec<*mut C_tensor>,
}

fn encode(indices: &[TensorIndex]) -> Encoded {
    let none = i64::MIN;
    let mut e = Encoded {
        kinds: Vec::with_capacity(indices.len()),
        values: Vec::with_capacity(indices.len() * 3),
        tensors: Vec::with_capacity(indices.len()),
    };
    for index in indices {
        let (kind, values, tensor): (c_int, [i64; 3], *mut C_tensor) = match *index {
            TensorIndex::Int(i) => (0, [i, 0, 0], std::ptr::null_mut()),
            TensorIndex::Slice(start, stop, step) => (
                1,
                [start.unwrap_or(none), stop.unwrap_or(none), step],
                std::ptr::null_mut(),
            ),
            TensorIndex::NewAxis => (2, [0; 3], std::ptr::null_mut()),
            TensorIndex::Ellipsis => (3, [0; 3], std::ptr::null_mut()),
            TensorIndex::Tensor(t) => (4, [0; 3], crate::scalar::ptr(t)),
            TensorIndex::Bool(b) => (5, [i64::from(b), 0, 0], std::ptr::null_mut()),
        };
        e.kinds.push(kind);
        e.values.extend(values);
        e.tensors.push(tensor);
    }
    e
}

fn check_slices(indices: &[TensorIndex]) -> Result<()> {
    // libtorch refuses these too, but Python's wording is clearer.
    for index in indices {
        if let TensorIndex::Slice(_, _, step) = index {
            if *step <= 0 {
                return Err(Error::invalid(if *step == 0 {
                    "slice step cannot be zero"
                } else {
                    "step must be greater than zero"
                }));
            }
        }
    }
    Ok(())
}

/// `t[indices]`: a view for basic indexing, a copy once an index is a tensor.
pub fn index(t: &Tensor, indices: &[TensorIndex]) -> Result<Tensor> {
    check_slices(indices)?;
    let e = encode(indices);
    let mut out: *mut C_tensor = std::ptr::null_mut();
    check(unsafe {
        tts_index(
            crate::scalar::ptr(t),
            e.kinds.as_ptr(),
            e.values.as_ptr(),
            e.tensors.as_ptr(),
            e.kinds.len(),
            &mut out,
        )
    })?;
    Ok(unsafe { Tensor::from_ptr(out) })
}

/// `t[indices] = value` (value broadcast to the indexed shape, cast to t's dtype).
pub fn index_put_(t: &Tensor, indices: &[TensorIndex], value: &Tensor) -> Result<()> {
    check_slices(indices)?;
    let e = encode(indices);
    check(unsafe {
        tts_index_put(
            crate::scalar::ptr(t),
            e.kinds.as_ptr(),
            e.values.as_ptr(),
            e.tensors.as_ptr(),
            e.kinds.len(),
            crate::scalar::ptr(value),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn arange(n: i64) -> Tensor {
        Tensor::arange(n, (Kind::Int64, Device::Cpu))
    }

    #[test]
    fn mixes_basic_and_advanced_indices_as_python() {
        let t = arange(60).reshape([3, 4, 5]);
        // t[1, :, ::2] → shape [4, 3]
        let a = index(
            &t,
            &[
                TensorIndex::Int(1),
                TensorIndex::Slice(None, None, 1),
                TensorIndex::Slice(None, None, 2),
            ],
        )
        .unwrap();
        assert_eq!(a.size(), [4, 3]);
        assert_eq!(a.int64_value(&[1, 2]), 20 + 5 + 4);
        // t[None, ..., [0, 2]] → shape [1, 3, 4, 2]
        let cols = Tensor::from_slice(&[0i64, 2]);
        let b = index(
            &t,
            &[
                TensorIndex::NewAxis,
                TensorIndex::Ellipsis,
                TensorIndex::Tensor(&cols),
            ],
        )
        .unwrap();
        assert_eq!(b.size(), [1, 3, 4, 2]);
        // t[[0, 2], :, [1, 3]]: separated advanced indices go first → [2, 4]
        let rows = Tensor::from_slice(&[0i64, 2]);
        let last = Tensor::from_slice(&[1i64, 3]);
        let c = index(
            &t,
            &[
                TensorIndex::Tensor(&rows),
                TensorIndex::Slice(None, None, 1),
                TensorIndex::Tensor(&last),
            ],
        )
        .unwrap();
        assert_eq!(c.size(), [2, 4]);
        assert_eq!(c.int64_value(&[1, 0]), 40 + 3);
    }

    #[test]
    fn assigns_through_any_index_and_reports_errors() {
        let t = Tensor::zeros([3, 4], (Kind::Float, Device::Cpu));
        index_put_(
            &t,
            &[TensorIndex::Slice(None, None, 1), TensorIndex::Int(1)],
            &Tensor::from(5.0f32),
        )
        .unwrap();
        assert_eq!(t.sum(Kind::Float).double_value(&[]), 15.0);
        let err = index(&t, &[TensorIndex::Int(3)]).unwrap_err().to_string();
        assert!(
            err.contains("index 3 is out of bounds for dimension 0 with size 3"),
            "{err}"
        );
        let err = index(&t, &[TensorIndex::Slice(None, None, -1)])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "step must be greater than zero");
    }
}
