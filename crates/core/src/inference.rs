//! Forward passes of built-in models away from the JS thread (forwardAsync).
//! Autograd's grad mode is per thread, so the caller's mode is carried over;
//! large inputs can run in chunks, and a stop request lands between chunks.
use crate::nn::Sequential;
use crate::runtime::set_grad_enabled;
use crate::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use tch::Tensor;

pub struct ForwardConfig<'a> {
    /// Dropout is active in training mode.
    pub training: bool,
    /// The grad mode of the thread that asked for the forward.
    pub grad_enabled: bool,
    /// Rows per chunk along dim 0; None runs the whole input at once.
    pub batch_size: Option<i64>,
    pub stop: Option<&'a AtomicBool>,
}

/// `model(input)` under the caller's grad mode, chunked when asked.
pub fn forward(model: &Sequential, input: &Tensor, cfg: &ForwardConfig) -> Result<Tensor> {
    let previous = set_grad_enabled(cfg.grad_enabled);
    let result = forward_chunks(model, input, cfg);
    set_grad_enabled(previous);
    result
}

fn forward_chunks(model: &Sequential, input: &Tensor, cfg: &ForwardConfig) -> Result<Tensor> {
    let stopped = || cfg.stop.is_some_and(|s| s.load(Ordering::SeqCst));
    if stopped() {
        return Err(Error::Cancelled);
    }
    let Some(batch) = cfg.batch_size else {
        return model.forward(input, cfg.training);
    };
    if batch <= 0 {
        return Err(Error::invalid(format!(
            "batch_size should be a positive integer value, but got batch_size={batch}"
        )));
    }
    if input.dim() == 0 {
        return Err(Error::invalid(
            "batch_size needs an input with a batch dimension (dim 0), got a 0-d tensor",
        ));
    }
    let rows = input.size()[0];
    if rows <= batch {
        return model.forward(input, cfg.training);
    }
    let mut outputs = Vec::with_capacity(((rows + batch - 1) / batch) as usize);
    let mut start = 0;
    while start < rows {
        if stopped() {
            return Err(Error::Cancelled);
        }
        let len = batch.min(rows - start);
        outputs.push(model.forward(&input.f_narrow(0, start, len)?, cfg.training)?);
        start += len;
    }
    Ok(Tensor::f_cat(&outputs, 0)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Layer, LayerSpec};
    use tch::{Device, Kind};

    fn model() -> Sequential {
        tch::manual_seed(0);
        let w = Tensor::randn([3, 2], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let b = Tensor::randn([3], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        Sequential {
            layers: vec![Layer::linear(w, Some(b)), Layer::stateless(LayerSpec::ReLU)],
        }
    }

    fn cfg(grad_enabled: bool, batch_size: Option<i64>) -> ForwardConfig<'static> {
        ForwardConfig {
            training: false,
            grad_enabled,
            batch_size,
            stop: None,
        }
    }

    #[test]
    fn chunked_forward_equals_whole_forward() {
        let _rng = crate::rng_lock();
        let m = model();
        let x = Tensor::randn([10, 2], (Kind::Float, Device::Cpu));
        let whole = forward(&m, &x, &cfg(false, None)).unwrap();
        for batch in [1, 3, 10, 64] {
            let chunked = forward(&m, &x, &cfg(false, Some(batch))).unwrap();
            assert_eq!(chunked.size(), vec![10, 3]);
            assert!(chunked.allclose(&whole, 1e-6, 1e-6, false), "batch {batch}");
        }
    }

    #[test]
    fn grad_mode_is_the_callers_and_is_restored() {
        let _rng = crate::rng_lock();
        let m = model();
        let x = Tensor::randn([4, 2], (Kind::Float, Device::Cpu));
        let before = set_grad_enabled(true);
        assert!(forward(&m, &x, &cfg(true, None)).unwrap().requires_grad());
        assert!(!forward(&m, &x, &cfg(false, Some(2)))
            .unwrap()
            .requires_grad());
        assert!(
            set_grad_enabled(before),
            "grad mode restored after a no-grad forward"
        );
    }

    #[test]
    fn stop_and_bad_batch_sizes_are_errors() {
        let _rng = crate::rng_lock();
        let m = model();
        let x = Tensor::randn([4, 2], (Kind::Float, Device::Cpu));
        let stop = AtomicBool::new(true);
        let stopped = ForwardConfig {
            stop: Some(&stop),
            ..cfg(false, Some(1))
        };
        assert!(matches!(forward(&m, &x, &stopped), Err(Error::Cancelled)));
        let err = forward(&m, &x, &cfg(false, Some(0)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("batch_size=0"), "{err}");
        let scalar = Tensor::from(1.0f32);
        assert!(forward(&m, &scalar, &cfg(false, Some(2)))
            .unwrap_err()
            .to_string()
            .contains("0-d"));
    }
}
