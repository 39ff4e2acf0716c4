//! Process-wide libtorch state: seeds, grad mode, threads, devices.
use crate::error::invalid;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tch::Device;

#[napi(catch_unwind)]
pub fn manual_seed(seed: i64) {
    tch::manual_seed(seed);
}

#[napi(catch_unwind)]
pub fn cuda_manual_seed(seed: i64) {
    tch::Cuda::manual_seed_all(seed as u64);
}

/// Sets autograd's grad mode, returning the previous one (torch.set_grad_enabled).
#[napi(catch_unwind)]
pub fn set_grad_enabled(enabled: bool) -> bool {
    torchts_core::runtime::set_grad_enabled(enabled)
}

#[napi(catch_unwind)]
pub fn is_grad_enabled() -> bool {
    let prev = torchts_core::runtime::set_grad_enabled(true);
    torchts_core::runtime::set_grad_enabled(prev);
    prev
}

#[napi(catch_unwind)]
pub fn get_num_threads() -> i32 {
    tch::get_num_threads()
}

const MAX_THREADS: i32 = 4096;

#[napi(catch_unwind)]
pub fn set_num_threads(n: f64) -> Result<()> {
    // libgomp exits the process when asked for absurd team sizes.
    if !(n >= 1.0 && n <= MAX_THREADS as f64 && n.fract() == 0.0) {
        return Err(invalid(format!(
            "Expected a number of threads between 1 and {MAX_THREADS}, got {n}"
        )));
    }
    torchts_core::runtime::set_num_threads(n as i32);
    Ok(())
}

#[napi(catch_unwind)]
pub fn cuda_is_available() -> bool {
    tch::Cuda::is_available()
}

#[napi(catch_unwind)]
pub fn cuda_device_count() -> i64 {
    tch::Cuda::device_count()
}

#[napi(catch_unwind)]
pub fn cuda_synchronize(device: Option<i64>) {
    tch::Cuda::synchronize(device.unwrap_or(0));
}

#[napi(catch_unwind)]
pub fn mps_is_available() -> bool {
    tch::utils::has_mps()
}

/// A clear error before libtorch would abort or print an unreadable one.
pub fn check_device(device: Device) -> Result<()> {
    match device {
        Device::Cpu => Ok(()),
        Device::Cuda(i) => {
            if !tch::Cuda::is_available() {
                return Err(invalid("Torch not compiled with CUDA enabled, or no CUDA device is available: torch.cuda.isAvailable() is false"));
            }
            let count = tch::Cuda::device_count();
            if i as i64 >= count {
                return Err(invalid(format!(
                    "CUDA error: invalid device ordinal (cuda:{i}, {count} device(s) available)"
                )));
            }
            Ok(())
        }
        Device::Mps => {
            if !tch::utils::has_mps() {
                return Err(invalid(
                    "MPS backend is not available: torch.backends.mps.isAvailable() is false",
                ));
            }
            Ok(())
        }
        Device::Vulkan => Err(invalid("the vulkan device is not supported")),
    }
}

/// Loads a shared library globally (libtorch_cuda.so from a CUDA libtorch 2.11.0).
#[napi(catch_unwind)]
pub fn load_global_library(path: String) -> Result<()> {
    use crate::error::OrThrow;
    torchts_core::runtime::load_global_library(&path).or_throw()
}
