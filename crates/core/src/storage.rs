//! Where a tensor sits in its storage, for torch.save (ts/serialization/pt.ts):
//! tensors that share a storage are written as one storage record plus each
//! tensor's offset and strides, as Python's torch.save does. tch exposes no
//! storage, so the storage's start is found through a view at offset 0.
use crate::{Error, Result};
use tch::Tensor;

/// A tensor's place in its storage: the storage's address (equal for
/// tensors sharing it), the offset and strides in elements.
pub struct Layout {
    pub storage_address: u64,
    pub offset: i64,
    pub stride: Vec<i64>,
}

/// A one-element view at the start of `t`'s storage.
fn storage_start(t: &Tensor) -> Result<Tensor> {
    let _guard = tch::no_grad_guard();
    Ok(t.f_as_strided([1], [1], Some(0))?)
}

/// `t`'s layout; `t` must have at least one element.
pub fn layout(t: &Tensor) -> Result<Layout> {
    if t.numel() == 0 {
        return Err(Error::invalid("an empty tensor has no place in a storage"));
    }
    let start = storage_start(t)?.data_ptr() as u64;
    let here = t.data_ptr() as u64;
    let item = t.kind().elt_size_in_bytes() as u64;
    if here < start || !(here - start).is_multiple_of(item) {
        return Err(Error::invalid(
            "the tensor's data does not lie on an element of its storage",
        ));
    }
    Ok(Layout {
        storage_address: start,
        offset: ((here - start) / item) as i64,
        stride: t.stride(),
    })
}

/// The first `numel` elements of `t`'s storage as a 1-D view; libtorch
/// refuses a `numel` past the storage's end.
pub fn storage_prefix(t: &Tensor, numel: i64) -> Result<Tensor> {
    let _guard = tch::no_grad_guard();
    Ok(t.f_as_strided([numel], [1], Some(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_report_their_storage_offset_and_strides() {
        let base = Tensor::arange(24, (tch::Kind::Float, tch::Device::Cpu)).view([2, 3, 4]);
        let view = base.select(0, 1).transpose(0, 1).narrow(0, 1, 2);
        let (b, v) = (layout(&base).unwrap(), layout(&view).unwrap());
        assert_eq!(b.storage_address, v.storage_address);
        assert_eq!((v.offset, v.stride.clone()), (13, vec![1, 4]));
        let all = storage_prefix(&view, 24).unwrap();
        assert_eq!(
            Vec::<f32>::try_from(&all).unwrap(),
            (0..24).map(|i| i as f32).collect::<Vec<_>>()
        );
        assert!(storage_prefix(&view, 25).is_err());
        let other = Tensor::zeros([3], (tch::Kind::Float, tch::Device::Cpu));
        assert_ne!(layout(&other).unwrap().storage_address, b.storage_address);
    }
}
