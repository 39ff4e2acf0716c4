//! torch.Generator on the CPU: a generator of its own, for the random ops
//! that take one (PyTorch's samplers and random_split draw from one seeded
//! from the global generator).
use crate::scalar::{device_code, kind_code};
use crate::shim::{self, check};
use crate::Result;
use std::ffi::c_void;
use tch::{Device, Kind, Tensor};
use torch_sys::C_tensor;

/// PyTorch's seed for a new `torch.Generator()` (c10's default_rng_seed_val).
pub const DEFAULT_SEED: u64 = 67280421310721;

pub struct Generator {
    raw: *mut c_void,
}

// SAFETY: an at::Generator is used under its own mutex by the shim's calls;
// libtorch shares generators across threads the same way.
unsafe impl Send for Generator {}

impl Drop for Generator {
    fn drop(&mut self) {
        unsafe { shim::tts_generator_free(self.raw) };
    }
}

fn output(call: impl FnOnce(*mut *mut C_tensor) -> *mut std::ffi::c_char) -> Result<Tensor> {
    let mut out: *mut C_tensor = std::ptr::null_mut();
    check(call(&mut out))?;
    Ok(unsafe { Tensor::from_ptr(out) })
}

impl Generator {
    pub fn new(seed: u64) -> Result<Generator> {
        let mut raw = std::ptr::null_mut();
        check(unsafe { shim::tts_generator_new(&mut raw, seed) })?;
        Ok(Generator { raw })
    }

    pub fn manual_seed(&self, seed: u64) -> Result<()> {
        check(unsafe { shim::tts_generator_manual_seed(self.raw, seed) })
    }

    /// A non-deterministic seed, set and returned (`Generator.seed()`).
    pub fn seed(&self) -> Result<u64> {
        let mut out = 0;
        check(unsafe { shim::tts_generator_seed(self.raw, &mut out) })?;
        Ok(out)
    }

    /// The at::Generator, for the boxed calls of generated ops (csrc/dispatch.cpp).
    pub fn as_raw(&self) -> *mut c_void {
        self.raw
    }

    pub fn initial_seed(&self) -> u64 {
        unsafe { shim::tts_generator_initial_seed(self.raw) }
    }

    /// The state as PyTorch's `get_state()` gives it (a uint8 tensor).
    pub fn get_state(&self) -> Result<Tensor> {
        output(|out| unsafe { shim::tts_generator_get_state(self.raw, out) })
    }

    pub fn set_state(&self, state: &Tensor) -> Result<()> {
        check(unsafe { shim::tts_generator_set_state(self.raw, state.as_ptr().cast_mut()) })
    }

    pub fn randperm(&self, n: i64, kind: Kind, device: Device) -> Result<Tensor> {
        output(|out| unsafe {
            shim::tts_randperm(out, n, self.raw, kind_code(kind), device_code(device))
        })
    }

    pub fn randint(
        &self,
        low: i64,
        high: i64,
        size: &[i64],
        kind: Kind,
        device: Device,
    ) -> Result<Tensor> {
        output(|out| unsafe {
            shim::tts_randint(
                out,
                low,
                high,
                size.as_ptr(),
                size.len() as i32,
                self.raw,
                kind_code(kind),
                device_code(device),
            )
        })
    }

    /// `torch.rand` (uniform on [0, 1)), or `torch.randn` when `normal`.
    pub fn rand(&self, size: &[i64], kind: Kind, device: Device, normal: bool) -> Result<Tensor> {
        output(|out| unsafe {
            shim::tts_rand(
                out,
                size.as_ptr(),
                size.len() as i32,
                self.raw,
                kind_code(kind),
                device_code(device),
                i32::from(normal),
            )
        })
    }

    pub fn multinomial(&self, weights: &Tensor, samples: i64, replacement: bool) -> Result<Tensor> {
        output(|out| unsafe {
            shim::tts_multinomial(
                out,
                weights.as_ptr().cast_mut(),
                samples,
                i32::from(replacement),
                self.raw,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_generator_repeats_and_leaves_the_global_one_alone() {
        let _rng = crate::rng_lock();
        tch::manual_seed(7);
        let global_first = Tensor::randn([3], (Kind::Float, Device::Cpu));
        tch::manual_seed(7);
        let g = Generator::new(42).unwrap();
        let a = g.randperm(10, Kind::Int64, Device::Cpu).unwrap();
        let state = g.get_state().unwrap();
        let b = g.randperm(10, Kind::Int64, Device::Cpu).unwrap();
        g.set_state(&state).unwrap();
        assert!(g.randperm(10, Kind::Int64, Device::Cpu).unwrap().equal(&b));
        g.manual_seed(42).unwrap();
        assert!(g.randperm(10, Kind::Int64, Device::Cpu).unwrap().equal(&a));
        assert_eq!(g.initial_seed(), 42);
        // Python: torch.randperm(10, generator=torch.Generator().manual_seed(42))
        assert_eq!(
            Vec::<i64>::try_from(&a).unwrap(),
            vec![2, 6, 1, 8, 4, 5, 0, 9, 3, 7]
        );
        assert!(Tensor::randn([3], (Kind::Float, Device::Cpu)).equal(&global_first));
        let err = g.randint(5, 1, &[2], Kind::Int64, Device::Cpu).unwrap_err();
        assert!(
            err.to_string()
                .contains("random_ expects 'from' to be less than 'to'"),
            "{err}"
        );
    }
}
