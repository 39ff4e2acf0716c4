//! One error type for the engine; the binding layer turns it into a JS Error.
use thiserror::Error as ThisError;

#[derive(Debug, ThisError)]
pub enum Error {
    /// libtorch raised: `summary` is its first readable line, `detail` the whole text.
    #[error("{summary}")]
    Torch { summary: String, detail: String },
    /// An argument that libtorch would reject with an unreadable message.
    #[error("{0}")]
    InvalidArgument(String),
    /// A background task was asked to stop (AbortSignal) before it finished.
    #[error("the operation was aborted")]
    Cancelled,
    /// A callback into the host (a JavaScript forward, loss or optimizer)
    /// failed; the host keeps what it threw and rethrows that.
    #[error("{0}")]
    Callback(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Takes libtorch's last error on this thread (its C API keeps one per
/// thread, set by a failed call and cleared by this read).
pub fn take_libtorch_error() -> Option<String> {
    let ptr = unsafe { torch_sys::get_and_reset_last_err() };
    if ptr.is_null() {
        return None;
    }
    let text = unsafe { std::ffi::CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned();
    unsafe { libc::free(ptr.cast()) };
    Some(text)
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }

    /// The full text behind the one-line message (libtorch's trace, if any).
    pub fn detail(&self) -> String {
        match self {
            Error::Torch { detail, .. } => detail.clone(),
            other => other.to_string(),
        }
    }
}

/// libtorch messages carry a C++ backtrace after the first line; users get the
/// first meaningful line, with the rest kept as detail.
pub fn summarize_libtorch_message(text: &str) -> String {
    let text = text.trim_start_matches("Torch(\"").trim();
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("Exception raised from"))
        .unwrap_or("libtorch error");
    line.to_string()
}

impl From<tch::TchError> for Error {
    fn from(err: tch::TchError) -> Self {
        let detail = match &err {
            tch::TchError::Torch(text) => text.clone(),
            other => other.to_string(),
        };
        Error::Torch {
            summary: summarize_libtorch_message(&detail),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_first_line_of_libtorch_message() {
        let text = "mat1 and mat2 shapes cannot be multiplied (2x2 and 3x1)\nException raised from meta at foo.cpp:1 (most recent call first):\nframe #0: bar";
        assert_eq!(
            summarize_libtorch_message(text),
            "mat1 and mat2 shapes cannot be multiplied (2x2 and 3x1)"
        );
    }

    #[test]
    fn tch_errors_become_one_line() {
        let a = tch::Tensor::zeros([2, 2], (tch::Kind::Float, tch::Device::Cpu));
        let b = tch::Tensor::zeros([3, 1], (tch::Kind::Float, tch::Device::Cpu));
        let err: Error = a.f_matmul(&b).unwrap_err().into();
        let msg = err.to_string();
        assert!(msg.contains("cannot be multiplied"), "{msg}");
        assert!(!msg.contains('\n'));
        assert!(err.detail().len() >= msg.len());
    }
}
