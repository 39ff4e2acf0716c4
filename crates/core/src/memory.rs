//! The memory a tensor addresses: what V8 is told a tensor costs, and what a
//! background task holds.
use tch::{Kind, Tensor};

/// Bytes from a tensor's first element to one past its last, following its
/// strides (a broadcast view of one element spans one); 0 when it has no
/// elements, None on overflow.
pub fn span_bytes(sizes: &[i64], strides: &[i64], kind: Kind) -> Option<u64> {
    if sizes.contains(&0) {
        return Some(0);
    }
    let elements = sizes
        .iter()
        .zip(strides)
        .try_fold(1u64, |acc, (&size, stride)| {
            acc.checked_add((size.max(1) as u64 - 1).checked_mul(stride.unsigned_abs())?)
        })?;
    elements.checked_mul(kind.elt_size_in_bytes() as u64)
}

/// The bytes a tensor addresses, [data_ptr, data_ptr + span), on its device;
/// None for an undefined or empty tensor.
pub fn memory_span(t: &Tensor) -> Option<(usize, usize)> {
    if !t.defined() || t.numel() == 0 {
        return None;
    }
    let kind = t.f_kind().unwrap_or(Kind::Uint8);
    let bytes = span_bytes(&t.size(), &t.stride(), kind).unwrap_or(u64::MAX);
    let start = t.data_ptr() as usize;
    Some((
        start,
        start.saturating_add(usize::try_from(bytes).unwrap_or(usize::MAX)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_follow_strides() {
        assert_eq!(span_bytes(&[2, 3], &[3, 1], Kind::Float), Some(24));
        assert_eq!(span_bytes(&[4, 4], &[0, 0], Kind::Float), Some(4)); // broadcast
        assert_eq!(span_bytes(&[0, 3], &[3, 1], Kind::Float), Some(0));
        assert_eq!(
            span_bytes(&[i64::MAX, 2], &[i64::MAX, 1], Kind::Double),
            None
        );
    }
}
