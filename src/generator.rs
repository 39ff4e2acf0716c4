//! torch.Generator: a CPU generator of its own (torchts_core::generator).
//! Seeds cross as BigInt: PyTorch's are 64-bit.
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::generator::{Generator, DEFAULT_SEED};

#[napi(js_name = "Generator")]
pub struct NativeGenerator {
    pub(crate) inner: Generator,
}

/// A seed as an unsigned 64-bit value (the TS layer remaps negatives as PyTorch does).
fn seed_value(seed: BigInt) -> Result<u64> {
    let (negative, value, lossless) = seed.get_u64();
    if negative || !lossless {
        return Err(invalid("seed must be in [0, 2**64 - 1] here"));
    }
    Ok(value)
}

#[napi]
impl NativeGenerator {
    /// Seeded with PyTorch's default seed unless one is given.
    #[napi(constructor, catch_unwind)]
    pub fn new(seed: Option<BigInt>) -> Result<Self> {
        let seed = seed.map(seed_value).transpose()?.unwrap_or(DEFAULT_SEED);
        Ok(Self {
            inner: Generator::new(seed).or_throw()?,
        })
    }

    #[napi(catch_unwind)]
    pub fn manual_seed(&self, seed: BigInt) -> Result<()> {
        self.inner.manual_seed(seed_value(seed)?).or_throw()
    }

    #[napi(catch_unwind)]
    pub fn seed(&self) -> Result<BigInt> {
        Ok(BigInt::from(self.inner.seed().or_throw()?))
    }

    #[napi]
    pub fn initial_seed(&self) -> BigInt {
        BigInt::from(self.inner.initial_seed())
    }

    #[napi(catch_unwind)]
    pub fn get_state(&self) -> Result<Tensor> {
        Ok(Tensor::new(self.inner.get_state().or_throw()?))
    }

    #[napi(catch_unwind)]
    pub fn set_state(&self, state: &Tensor) -> Result<()> {
        self.inner.set_state(state.get()?).or_throw()
    }
}

#[napi(catch_unwind)]
pub fn multinomial(
    input: &Tensor,
    num_samples: i64,
    replacement: bool,
    generator: Option<&NativeGenerator>,
) -> Result<Tensor> {
    let input = input.get()?;
    let out = match generator {
        Some(g) => g
            .inner
            .multinomial(input, num_samples, replacement)
            .or_throw()?,
        None => input.f_multinomial(num_samples, replacement).or_throw()?,
    };
    Ok(Tensor::new(out))
}
