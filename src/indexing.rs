//! `t.index(...)` and `t.indexAssign_(...)`: Python's `t[...]` and
//! `t[...] = v`. The TS layer parses the index items into kinds and numbers
//! (ts/indexing.ts); this converts them for the engine (crates/core/src/indexing.rs).
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::indexing::{self, TensorIndex};

/// Kinds as ts/indexing.ts sends them; `values` holds three numbers per item
/// (an int, a slice's start/stop/step with null bounds as NaN, a bool as 0/1).
fn items<'a>(
    kinds: &[u32],
    values: &[f64],
    tensors: &'a [Option<&'a Tensor>],
) -> Result<Vec<TensorIndex<'a>>> {
    if values.len() != kinds.len() * 3 || tensors.len() != kinds.len() {
        return Err(invalid("index(): malformed index description"));
    }
    let int = |v: f64| v as i64;
    let bound = |v: f64| if v.is_nan() { None } else { Some(v as i64) };
    kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let v = &values[3 * i..3 * i + 3];
            Ok(match kind {
                0 => TensorIndex::Int(int(v[0])),
                1 => TensorIndex::Slice(bound(v[0]), bound(v[1]), int(v[2])),
                2 => TensorIndex::NewAxis,
                3 => TensorIndex::Ellipsis,
                4 => match tensors[i] {
                    Some(t) => TensorIndex::Tensor(t.get()?),
                    None => return Err(invalid("index(): a tensor index without its tensor")),
                },
                5 => TensorIndex::Bool(v[0] != 0.0),
                _ => return Err(invalid(format!("index(): unknown index kind {kind}"))),
            })
        })
        .collect()
}

#[napi(js_name = "indexWith", catch_unwind)]
pub fn index_with(
    tensor: &Tensor,
    kinds: Vec<u32>,
    values: Vec<f64>,
    tensors: Vec<Option<&Tensor>>,
) -> Result<Tensor> {
    let items = items(&kinds, &values, &tensors)?;
    Ok(Tensor::new(
        indexing::index(tensor.get()?, &items).or_throw()?,
    ))
}

#[napi(js_name = "indexPutWith", catch_unwind)]
pub fn index_put_with(
    tensor: &Tensor,
    kinds: Vec<u32>,
    values: Vec<f64>,
    tensors: Vec<Option<&Tensor>>,
    value: &Tensor,
) -> Result<()> {
    let items = items(&kinds, &values, &tensors)?;
    let target = tensor.get_for_write()?;
    indexing::index_put_(&target, &items, value.get()?).or_throw()
}
