//! A stop request for a background task (fitAsync, forwardAsync): JS sets it
//! from an AbortSignal or at process exit; the task checks it between steps.
use napi_derive::napi;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[napi]
pub struct CancelHandle {
    pub(crate) cancelled: Arc<AtomicBool>,
}

#[napi]
impl CancelHandle {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        Self {
            cancelled: Arc::new(AtomicBool::new(false)),
        }
    }

    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
}

impl Default for CancelHandle {
    fn default() -> Self {
        Self::new()
    }
}
