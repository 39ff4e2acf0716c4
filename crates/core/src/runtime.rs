//! Process-wide libtorch switches that tch does not expose.

/// Sets autograd's (thread-local) grad mode and returns the previous mode.
pub fn set_grad_enabled(enabled: bool) -> bool {
    unsafe { torch_sys::at_grad_set_enabled(enabled as i32) != 0 }
}
