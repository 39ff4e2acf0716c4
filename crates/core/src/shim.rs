//! The C++ shim (csrc/shim.cpp): declarations, and its error convention
//! (null on success, else a malloc'ed message).
use crate::{Error, Result};
use std::ffi::{c_char, c_int, c_void, CStr};
use torch_sys::C_tensor;

extern "C" {
    pub fn tts_generator_new(out: *mut *mut c_void, seed: u64) -> *mut c_char;
    pub fn tts_generator_free(g: *mut c_void);
    pub fn tts_generator_manual_seed(g: *mut c_void, seed: u64) -> *mut c_char;
    pub fn tts_generator_seed(g: *mut c_void, out: *mut u64) -> *mut c_char;
    pub fn tts_generator_initial_seed(g: *mut c_void) -> u64;
    pub fn tts_generator_get_state(g: *mut c_void, out: *mut *mut C_tensor) -> *mut c_char;
    pub fn tts_generator_set_state(g: *mut c_void, state: *mut C_tensor) -> *mut c_char;
    pub fn tts_randperm(
        out: *mut *mut C_tensor,
        n: i64,
        g: *mut c_void,
        kind: c_int,
        device: c_int,
    ) -> *mut c_char;
    pub fn tts_randint(
        out: *mut *mut C_tensor,
        low: i64,
        high: i64,
        size: *const i64,
        dims: c_int,
        g: *mut c_void,
        kind: c_int,
        device: c_int,
    ) -> *mut c_char;
    pub fn tts_rand(
        out: *mut *mut C_tensor,
        size: *const i64,
        dims: c_int,
        g: *mut c_void,
        kind: c_int,
        device: c_int,
        normal: c_int,
    ) -> *mut c_char;
    pub fn tts_multinomial(
        out: *mut *mut C_tensor,
        weights: *mut C_tensor,
        samples: i64,
        replacement: c_int,
        g: *mut c_void,
    ) -> *mut c_char;
    pub fn tts_set_grad_to_none(t: *mut C_tensor) -> *mut c_char;
    pub fn tts_grad_fn_name(t: *mut C_tensor, out: *mut *mut c_char) -> *mut c_char;
}

/// Takes a malloc'ed C string.
pub(crate) unsafe fn take_string(text: *mut c_char) -> String {
    let owned = unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned();
    unsafe { libc::free(text.cast()) };
    owned
}

/// The shim's result: its message, as libtorch's errors are.
pub(crate) fn check(error: *mut c_char) -> Result<()> {
    if error.is_null() {
        Ok(())
    } else {
        Err(Error::from(tch::TchError::Torch(unsafe {
            take_string(error)
        })))
    }
}
