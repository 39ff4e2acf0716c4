//! AOTInductor packages: a `.pt2` that Python's
//! `torch._inductor.aoti_compile_and_package(torch.export.export(model, args))`
//! wrote, loaded through libtorch's AOTIModelPackageLoader (csrc/aoti.cpp)
//! and run on tensors.
use crate::shim::{check, take_string};
use crate::{Error, Result};
use std::ffi::{c_char, c_void, CString};
use tch::Tensor;
use torch_sys::C_tensor;

extern "C" {
    fn tts_aoti_load(
        out: *mut *mut c_void,
        path: *const c_char,
        model_name: *const c_char,
        num_runners: usize,
    ) -> *mut c_char;
    fn tts_aoti_free(p: *mut c_void);
    fn tts_aoti_run(
        p: *mut c_void,
        inputs: *const *const C_tensor,
        n: usize,
        outputs: *mut *mut *mut C_tensor,
        n_out: *mut usize,
    ) -> *mut c_char;
    fn tts_aoti_free_outputs(outputs: *mut *mut C_tensor);
    fn tts_aoti_metadata(p: *mut c_void, out: *mut *mut c_char) -> *mut c_char;
}

/// A loaded package.
pub struct AotiPackage {
    ptr: *mut c_void,
}

// SAFETY: the package's model container hands each run one of its model
// instances under a lock (a run waits while all are busy), so runs from
// several threads are safe; nothing mutates the loader after construction.
unsafe impl Send for AotiPackage {}
unsafe impl Sync for AotiPackage {}

impl Drop for AotiPackage {
    fn drop(&mut self) {
        unsafe { tts_aoti_free(self.ptr) }
    }
}

/// libtorch's loader error, reworded where its text does not say what is
/// wrong with the file.
fn explain_load_error(detail: &str) -> String {
    let summary = crate::error::summarize_libtorch_message(detail);
    if detail.contains("libtorch.so: cannot open shared object file") {
        return "the package's model library needs libtorch.so, which this libtorch directory lacks as a loadable library (the CPU-only install keeps a link stub there; put a libtorch.so -> libtorch_cpu.so symlink beside libtorch_cpu.so)".into();
    }
    if detail.contains("wrong ELF class")
        || detail.contains("invalid ELF header")
        || detail.contains("ELF load command")
        || detail.contains("cannot open shared object file")
    {
        return format!("the package's model library cannot be loaded on this platform (was it compiled for another OS or CPU?): {summary}");
    }
    if detail.contains("undefined symbol") {
        return format!("the package was compiled against another libtorch than 2.11.0: {summary}");
    }
    if detail.contains("Failed to find a generated cpp file or so file")
        || detail.contains("No AOTInductor generate cpp file or so file found")
    {
        return "not an AOTInductor package: the archive holds no compiled model (data/aotinductor/<name>/*.so); make one with torch._inductor.aoti_compile_and_package".into();
    }
    if detail.contains("zip archive") || detail.contains("central directory") {
        return format!("not a valid .pt2 package (not a readable zip archive): {summary}");
    }
    summary
}

impl AotiPackage {
    /// `torch._inductor.aoti_load_package(path)` for the model `model_name`
    /// ("model" unless the package was made with another name); up to
    /// `num_runners` runs proceed at once.
    pub fn load(path: &str, model_name: &str, num_runners: usize) -> Result<AotiPackage> {
        let context = format!("torch.export.loadPackage('{path}')");
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::invalid(format!(
                "{context}: {}",
                match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file".to_string(),
                    _ => e.to_string(),
                }
            ))
        })?;
        if meta.is_dir() {
            return Err(Error::invalid(format!("{context}: is a directory")));
        }
        if num_runners == 0 {
            return Err(Error::invalid(format!(
                "{context}: numRunners must be positive, got 0"
            )));
        }
        let bad_text = |what: &str| Error::invalid(format!("{context}: {what} contains a NUL"));
        let c_path = CString::new(path).map_err(|_| bad_text("path"))?;
        let c_name = CString::new(model_name).map_err(|_| bad_text("model name"))?;
        let mut ptr = std::ptr::null_mut();
        check(unsafe { tts_aoti_load(&mut ptr, c_path.as_ptr(), c_name.as_ptr(), num_runners) })
            .map_err(|e| match e {
                Error::Torch { detail, .. } => Error::Torch {
                    summary: format!("{context}: {}", explain_load_error(&detail)),
                    detail,
                },
                other => other,
            })?;
        Ok(AotiPackage { ptr })
    }

    /// Runs the compiled model; grad mode is off inside (AOTInductor's rule).
    /// Inputs are made contiguous first: the compiled code indexes them with
    /// the strides they had at export (contiguous ones, as a rule).
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let inputs = inputs
            .iter()
            .map(Tensor::f_contiguous)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let raw: Vec<*const C_tensor> = inputs.iter().map(Tensor::as_ptr).collect();
        let mut outputs = std::ptr::null_mut();
        let mut n_out = 0;
        check(unsafe { tts_aoti_run(self.ptr, raw.as_ptr(), raw.len(), &mut outputs, &mut n_out) })
            .map_err(|e| match e {
                Error::Torch { detail, .. } => Error::Torch {
                    summary: format!(
                        "AOTIPackage.run: {}",
                        crate::error::summarize_libtorch_message(&detail)
                    ),
                    detail,
                },
                other => other,
            })?;
        let tensors = (0..n_out)
            .map(|i| unsafe { Tensor::from_ptr(*outputs.add(i)) })
            .collect();
        unsafe { tts_aoti_free_outputs(outputs) };
        Ok(tensors)
    }

    /// The package's metadata (AOTI_DEVICE_KEY, AOTI_PLATFORM, ...).
    pub fn metadata(&self) -> Result<Vec<(String, String)>> {
        let mut out = std::ptr::null_mut();
        check(unsafe { tts_aoti_metadata(self.ptr, &mut out) })?;
        let text = unsafe { take_string(out) };
        let mut pairs: Vec<(String, String)> = text
            .split('\n')
            .filter_map(|line| line.split_once('\t'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        pairs.sort();
        Ok(pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_packages_are_errors() {
        let dir = std::env::temp_dir().join(format!("tts-aoti-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.pt2");
        std::fs::write(&junk, b"random bytes, not a zip").unwrap();
        let msg = AotiPackage::load(junk.to_str().unwrap(), "model", 1)
            .err()
            .unwrap()
            .to_string();
        assert!(msg.contains("not a valid .pt2 package"), "{msg}");
        assert!(!msg.contains('\n'));
        let missing = AotiPackage::load("/nonexistent/m.pt2", "model", 1)
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            missing,
            "torch.export.loadPackage('/nonexistent/m.pt2'): no such file"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
