//! Process-wide libtorch switches that tch does not expose.

/// Sets autograd's (thread-local) grad mode and returns the previous mode.
pub fn set_grad_enabled(enabled: bool) -> bool {
    unsafe { torch_sys::at_grad_set_enabled(enabled as i32) != 0 }
}

/// dlopen()s a shared library with RTLD_GLOBAL so libtorch sees what it
/// registers (used for libtorch_cuda.so: its static initialisers register the
/// CUDA backend, which must happen before the first CUDA query).
pub fn load_global_library(path: &str) -> crate::Result<()> {
    let c_path = std::ffi::CString::new(path).map_err(|_| crate::Error::invalid("library path contains a NUL byte"))?;
    let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if handle.is_null() {
        let reason = unsafe { libc::dlerror() };
        let reason = if reason.is_null() {
            "unknown dlopen error".to_string()
        } else {
            unsafe { std::ffi::CStr::from_ptr(reason) }.to_string_lossy().into_owned()
        };
        return Err(crate::Error::invalid(format!("could not load {path}: {reason}")));
    }
    Ok(())
}
