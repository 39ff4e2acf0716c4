//! torch.utils.data's batch assembly for tensor datasets: the rows a batch of
//! indices selects, from every tensor of the dataset. The DataLoader's async
//! iterator (ts/utils/data/dataloader.ts) runs it on napi's thread pool while
//! the current batch trains.
use crate::{Error, Result};
use tch::Tensor;

/// `default_collate([dataset[i] for i in indices])` for a TensorDataset: for
/// each tensor, its rows at `indices` stacked on a new first dimension, which
/// is `index_select(0, indices)` (the same values, shape and dtype).
/// Negative indices count from the end, as `tensor[i]` does.
pub fn gather_rows(tensors: &[Tensor], indices: &[i64]) -> Result<Vec<Tensor>> {
    let rows = match tensors.first() {
        Some(t) if t.dim() > 0 => t.size()[0],
        Some(_) => {
            return Err(Error::InvalidArgument(
                "a TensorDataset's tensors need a first dimension".into(),
            ))
        }
        None => return Err(Error::InvalidArgument("tuple index out of range".into())),
    };
    let mut normalized = Vec::with_capacity(indices.len());
    for &i in indices {
        if i < -rows || i >= rows {
            return Err(Error::InvalidArgument(format!(
                "index {i} is out of bounds for dimension 0 with size {rows}"
            )));
        }
        normalized.push(if i < 0 { i + rows } else { i });
    }
    tensors
        .iter()
        .map(|t| {
            if t.dim() == 0 || t.size()[0] != rows {
                return Err(Error::InvalidArgument(
                    "Size mismatch between tensors".into(),
                ));
            }
            let index = Tensor::from_slice(&normalized).to_device(t.device());
            Ok(t.f_index_select(0, &index)?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_in_index_order_from_every_tensor() {
        let x = Tensor::arange(12, (tch::Kind::Float, tch::Device::Cpu)).view([6, 2]);
        let y = Tensor::arange(6, (tch::Kind::Int64, tch::Device::Cpu));
        let out = gather_rows(&[x.shallow_clone(), y.shallow_clone()], &[4, 0, -1]).unwrap();
        assert_eq!(out[0].size(), vec![3, 2]);
        assert_eq!(
            Vec::<f32>::try_from(out[0].view([-1])).unwrap(),
            vec![8.0, 9.0, 0.0, 1.0, 10.0, 11.0]
        );
        assert_eq!(Vec::<i64>::try_from(&out[1]).unwrap(), vec![4, 0, 5]);
        let err = gather_rows(&[x], &[6]).unwrap_err().to_string();
        assert!(
            err.contains("index 6 is out of bounds for dimension 0 with size 6"),
            "{err}"
        );
    }
}
