//! A tensor's place in its storage, for torch.save of views
//! (ts/serialization/pt.ts); the logic is torchts_core::storage.
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;

#[napi(object)]
pub struct StorageLayout {
    /// The storage's address as a string: equal for tensors sharing it.
    pub storage: String,
    /// Offset into the storage, in elements.
    pub offset: i64,
    pub stride: Vec<i64>,
}

/// Where a non-empty tensor sits in its storage.
#[napi(catch_unwind)]
pub fn storage_layout(tensor: &Tensor) -> Result<StorageLayout> {
    let l = torchts_core::storage::layout(tensor.get()?).or_throw()?;
    Ok(StorageLayout {
        storage: format!("{:x}", l.storage_address),
        offset: l.offset,
        stride: l.stride,
    })
}

/// The first `numel` elements of the tensor's storage, as a 1-D view.
#[napi(catch_unwind)]
pub fn storage_prefix(tensor: &Tensor, numel: i64) -> Result<Tensor> {
    Ok(Tensor::new(
        torchts_core::storage::storage_prefix(tensor.get()?, numel).or_throw()?,
    ))
}
