//! TorchScript modules saved by Python (`torch.jit.script` / `torch.jit.trace`
//! then `.save`): load, call methods with structured values, switch
//! train/eval, read parameters and buffers, move and save. The C++ side is
//! csrc/jit.cpp; values cross it as [`Value`]s.
use crate::shim::{check, take_string};
use crate::{Error, Result};
use std::ffi::{c_char, c_int, c_void, CString};
use tch::{Device, Tensor};
use torch_sys::C_tensor;

type CValue = c_void;
type CModule = c_void;

extern "C" {
    fn tts_iv_none(out: *mut *mut CValue) -> *mut c_char;
    fn tts_iv_bool(out: *mut *mut CValue, value: c_int) -> *mut c_char;
    fn tts_iv_int(out: *mut *mut CValue, value: i64) -> *mut c_char;
    fn tts_iv_double(out: *mut *mut CValue, value: f64) -> *mut c_char;
    fn tts_iv_string(out: *mut *mut CValue, text: *const c_char, len: usize) -> *mut c_char;
    fn tts_iv_device(out: *mut *mut CValue, device: c_int) -> *mut c_char;
    fn tts_iv_tensor(out: *mut *mut CValue, t: *const C_tensor) -> *mut c_char;
    fn tts_iv_list(
        out: *mut *mut CValue,
        items: *mut *mut CValue,
        n: usize,
        tuple: c_int,
    ) -> *mut c_char;
    fn tts_iv_dict(out: *mut *mut CValue, items: *mut *mut CValue, n: usize) -> *mut c_char;
    fn tts_iv_free(v: *mut CValue);
    fn tts_iv_kind(v: *mut CValue, kind: *mut c_int, name: *mut *mut c_char) -> *mut c_char;
    fn tts_iv_scalar(v: *mut CValue, i: *mut i64, d: *mut f64) -> *mut c_char;
    fn tts_iv_string_value(v: *mut CValue, out: *mut *mut c_char) -> *mut c_char;
    fn tts_iv_tensor_value(v: *mut CValue, out: *mut *mut C_tensor) -> *mut c_char;
    fn tts_iv_len(v: *mut CValue, n: *mut usize) -> *mut c_char;
    fn tts_iv_items(v: *mut CValue, out: *mut *mut CValue) -> *mut c_char;

    fn tts_jit_load(out: *mut *mut CModule, path: *const c_char, device: c_int) -> *mut c_char;
    fn tts_jit_free(m: *mut CModule);
    fn tts_jit_save(m: *mut CModule, path: *const c_char) -> *mut c_char;
    fn tts_jit_method_names(m: *mut CModule, out: *mut *mut c_char) -> *mut c_char;
    fn tts_jit_repr(m: *mut CModule, out: *mut *mut c_char) -> *mut c_char;
    fn tts_jit_call(
        m: *mut CModule,
        name: *const c_char,
        args: *mut *mut CValue,
        n: usize,
        out: *mut *mut CValue,
    ) -> *mut c_char;
    fn tts_jit_set_training(m: *mut CModule, on: c_int) -> *mut c_char;
    fn tts_jit_is_training(m: *mut CModule, out: *mut c_int) -> *mut c_char;
    fn tts_jit_to(m: *mut CModule, device: c_int) -> *mut c_char;
    fn tts_jit_named_tensors(
        m: *mut CModule,
        which: c_int,
        ctx: *mut c_void,
        f: extern "C" fn(*mut c_void, *const c_char, *mut C_tensor),
    ) -> *mut c_char;
}

/// A TorchScript value as it crosses to and from the host. Numbers from a
/// host without an int type arrive as `Number` and become ints only where
/// the method's schema says int.
#[derive(Debug)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Number(f64),
    Str(String),
    Tensor(Tensor),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    /// Keys and values in insertion order.
    Dict(Vec<(Value, Value)>),
    /// A `torch.device` returned by a method ("cpu", "cuda:0").
    Device(String),
}

/// An owned C++ IValue.
struct Owned(*mut CValue);

impl Drop for Owned {
    fn drop(&mut self) {
        if !self.0.is_null() {
            unsafe { tts_iv_free(self.0) }
        }
    }
}

impl Owned {
    /// Hands the pointer to a C++ call that takes it.
    fn release(mut self) -> *mut CValue {
        std::mem::replace(&mut self.0, std::ptr::null_mut())
    }
}

fn cstring(text: &str, what: &str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::invalid(format!("{what} contains a NUL character")))
}

fn device_code(device: Device) -> c_int {
    match device {
        Device::Cuda(i) => i as c_int,
        _ => -1,
    }
}

fn made(build: impl FnOnce(*mut *mut CValue) -> *mut c_char) -> Result<Owned> {
    let mut out = std::ptr::null_mut();
    check(build(&mut out))?;
    Ok(Owned(out))
}

fn to_c(value: &Value) -> Result<Owned> {
    unsafe {
        match value {
            Value::None => made(|o| tts_iv_none(o)),
            Value::Bool(b) => made(|o| tts_iv_bool(o, c_int::from(*b))),
            Value::Int(i) => made(|o| tts_iv_int(o, *i)),
            Value::Number(d) => made(|o| tts_iv_double(o, *d)),
            Value::Str(s) => made(|o| tts_iv_string(o, s.as_ptr().cast(), s.len())),
            Value::Device(d) => {
                let device = crate::kind::parse_device(d)?;
                made(|o| tts_iv_device(o, device_code(device)))
            }
            Value::Tensor(t) => made(|o| tts_iv_tensor(o, t.as_ptr())),
            Value::List(items) | Value::Tuple(items) => {
                let owned = items.iter().map(to_c).collect::<Result<Vec<_>>>()?;
                let mut raw: Vec<_> = owned.into_iter().map(Owned::release).collect();
                let tuple = c_int::from(matches!(value, Value::Tuple(_)));
                made(|o| tts_iv_list(o, raw.as_mut_ptr(), raw.len(), tuple))
            }
            Value::Dict(entries) => {
                let keys = entries.iter().map(|(k, _)| to_c(k));
                let values = entries.iter().map(|(_, v)| to_c(v));
                let owned = keys.chain(values).collect::<Result<Vec<_>>>()?;
                let mut raw: Vec<_> = owned.into_iter().map(Owned::release).collect();
                made(|o| tts_iv_dict(o, raw.as_mut_ptr(), entries.len()))
            }
        }
    }
}

fn from_c(value: &Owned) -> Result<Value> {
    let v = value.0;
    let (mut kind, mut name) = (0, std::ptr::null_mut());
    check(unsafe { tts_iv_kind(v, &mut kind, &mut name) })?;
    let (mut i, mut d) = (0i64, 0f64);
    let string = || -> Result<String> {
        let mut out = std::ptr::null_mut();
        check(unsafe { tts_iv_string_value(v, &mut out) })?;
        Ok(unsafe { take_string(out) })
    };
    let items = || -> Result<Vec<Value>> {
        let mut n = 0;
        check(unsafe { tts_iv_len(v, &mut n) })?;
        let count = if kind == 8 { 2 * n } else { n };
        let mut raw = vec![std::ptr::null_mut(); count];
        check(unsafe { tts_iv_items(v, raw.as_mut_ptr()) })?;
        let owned: Vec<Owned> = raw.into_iter().map(Owned).collect();
        owned.iter().map(from_c).collect()
    };
    Ok(match kind {
        0 => Value::None,
        1..=3 => {
            check(unsafe { tts_iv_scalar(v, &mut i, &mut d) })?;
            match kind {
                1 => Value::Bool(i != 0),
                2 => Value::Int(i),
                _ => Value::Number(d),
            }
        }
        4 => Value::Str(string()?),
        5 => {
            let mut t = std::ptr::null_mut();
            check(unsafe { tts_iv_tensor_value(v, &mut t) })?;
            Value::Tensor(unsafe { Tensor::from_ptr(t) })
        }
        6 => Value::List(items()?),
        7 => Value::Tuple(items()?),
        8 => {
            let mut all = items()?;
            let values = all.split_off(all.len() / 2);
            Value::Dict(all.into_iter().zip(values).collect())
        }
        9 => Value::Device(string()?),
        _ => {
            let type_name = if name.is_null() {
                "an unknown type".to_string()
            } else {
                unsafe { take_string(name) }
            };
            return Err(Error::invalid(format!(
                "returned a value of type '{type_name}', which torchts cannot convert (tensors, numbers, booleans, strings, None, lists, tuples and dicts of these)"
            )));
        }
    })
}

/// The message of a failed TorchScript call: the interpreter's own error
/// line ("RuntimeError: mat1 and mat2 shapes cannot be multiplied ...")
/// rather than its "The following operation failed" header.
pub fn summarize_jit_message(text: &str) -> String {
    if text.contains("The following operation failed in the TorchScript interpreter") {
        let error_line = text.lines().map(str::trim).rfind(|l| {
            l.split_once(": ")
                .is_some_and(|(head, _)| head.ends_with("Error") && !head.contains(' '))
        });
        if let Some(line) = error_line {
            let (_, message) = line.split_once(": ").unwrap_or(("", line));
            return message.to_string();
        }
    }
    crate::error::summarize_libtorch_message(text)
}

fn jit_error(err: Error, context: &str) -> Error {
    match err {
        Error::Torch { detail, .. } => Error::Torch {
            summary: format!("{context}: {}", summarize_jit_message(&detail)),
            detail,
        },
        Error::InvalidArgument(msg) => Error::InvalidArgument(format!("{context}: {msg}")),
        other => other,
    }
}

/// A loaded TorchScript module.
pub struct ScriptModule {
    ptr: *mut CModule,
}

// SAFETY: torch::jit::Module runs methods from many threads at once (its
// graph executors lock what they share); the methods that change the module
// take `&mut self`, so Rust's borrow rules keep them apart from calls.
unsafe impl Send for ScriptModule {}
unsafe impl Sync for ScriptModule {}

impl Drop for ScriptModule {
    fn drop(&mut self) {
        unsafe { tts_jit_free(self.ptr) }
    }
}

extern "C" fn push_named(ctx: *mut c_void, name: *const c_char, t: *mut C_tensor) {
    let out = unsafe { &mut *ctx.cast::<Vec<(String, Tensor)>>() };
    let name = unsafe { std::ffi::CStr::from_ptr(name) }
        .to_string_lossy()
        .into_owned();
    out.push((name, unsafe { Tensor::from_ptr(t) }));
}

/// Which tensors `named_tensors` walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Parameters = 1,
    Buffers = 2,
    /// Parameters and buffers, in state-dict order.
    StateDict = 0,
}

impl ScriptModule {
    /// `torch.jit.load(path, map_location=device)`.
    pub fn load(path: &str, device: Option<Device>) -> Result<ScriptModule> {
        let context = format!("torch.jit.load('{path}')");
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
        let c_path = cstring(path, "path")?;
        let mut ptr = std::ptr::null_mut();
        let code = device.map_or(-1, device_code);
        check(unsafe { tts_jit_load(&mut ptr, c_path.as_ptr(), code) })
            .map_err(|e| jit_error(e, &context))?;
        Ok(ScriptModule { ptr })
    }

    /// Saves it as Python's `torch.jit.save` does (a zip archive).
    pub fn save(&self, path: &str) -> Result<()> {
        let c_path = cstring(path, "path")?;
        check(unsafe { tts_jit_save(self.ptr, c_path.as_ptr()) })
            .map_err(|e| jit_error(e, &format!("torch.jit.save('{path}')")))
    }

    /// `forward` and the `@torch.jit.export` methods.
    pub fn method_names(&self) -> Result<Vec<String>> {
        let mut out = std::ptr::null_mut();
        check(unsafe { tts_jit_method_names(self.ptr, &mut out) })?;
        let text = unsafe { take_string(out) };
        Ok(text
            .split('\n')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect())
    }

    /// Python's `repr(module)`: `RecursiveScriptModule(original_name=...)`
    /// with its children.
    pub fn repr(&self) -> Result<String> {
        let mut out = std::ptr::null_mut();
        check(unsafe { tts_jit_repr(self.ptr, &mut out) })?;
        Ok(unsafe { take_string(out) })
    }

    /// `module.<method>(*args)`.
    pub fn call(&self, method: &str, args: &[Value]) -> Result<Value> {
        let context = format!("ScriptModule.{method}");
        let names = self.method_names()?;
        if !names.iter().any(|n| n == method) {
            return Err(Error::invalid(format!(
                "ScriptModule has no method '{method}' (its methods: {})",
                names.join(", ")
            )));
        }
        let c_name = cstring(method, "method name")?;
        let owned = args.iter().map(to_c).collect::<Result<Vec<_>>>()?;
        let mut raw: Vec<_> = owned.into_iter().map(Owned::release).collect();
        let mut out = std::ptr::null_mut();
        check(unsafe {
            tts_jit_call(
                self.ptr,
                c_name.as_ptr(),
                raw.as_mut_ptr(),
                raw.len(),
                &mut out,
            )
        })
        .map_err(|e| jit_error(e, &context))?;
        from_c(&Owned(out)).map_err(|e| jit_error(e, &context))
    }

    pub fn set_training(&mut self, on: bool) -> Result<()> {
        check(unsafe { tts_jit_set_training(self.ptr, c_int::from(on)) })
    }

    pub fn is_training(&self) -> Result<bool> {
        let mut out = 0;
        check(unsafe { tts_jit_is_training(self.ptr, &mut out) })?;
        Ok(out != 0)
    }

    /// Moves every parameter and buffer to `device`, in place.
    pub fn to_device(&mut self, device: Device) -> Result<()> {
        check(unsafe { tts_jit_to(self.ptr, device_code(device)) })
            .map_err(|e| jit_error(e, "ScriptModule.to"))
    }

    /// Parameters, buffers or both (state-dict order), sharing the module's
    /// storage.
    pub fn named_tensors(&self, which: Named) -> Result<Vec<(String, Tensor)>> {
        let mut out: Vec<(String, Tensor)> = Vec::new();
        let ctx = (&mut out as *mut Vec<(String, Tensor)>).cast();
        check(unsafe { tts_jit_named_tensors(self.ptr, which as c_int, ctx, push_named) })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cross_to_cpp_and_back() {
        let t = Tensor::from_slice(&[1.0f32, 2.0]);
        let value = Value::Dict(vec![
            (
                Value::Str("a".into()),
                Value::List(vec![Value::Int(3), Value::Number(0.5)]),
            ),
            (
                Value::Int(7),
                Value::Tuple(vec![Value::Tensor(t), Value::None, Value::Bool(true)]),
            ),
        ]);
        let back = from_c(&to_c(&value).unwrap()).unwrap();
        let Value::Dict(entries) = back else {
            panic!("not a dict: {back:?}")
        };
        assert!(matches!(&entries[0].0, Value::Str(s) if s == "a"));
        assert!(
            matches!(&entries[0].1, Value::List(v) if matches!(v[..], [Value::Int(3), Value::Number(x)] if x == 0.5))
        );
        let Value::Tuple(items) = &entries[1].1 else {
            panic!("not a tuple")
        };
        let Value::Tensor(t) = &items[0] else {
            panic!("not a tensor")
        };
        assert_eq!(Vec::<f32>::try_from(t).unwrap(), vec![1.0, 2.0]);
        assert!(matches!(items[1..], [Value::None, Value::Bool(true)]));
    }

    #[test]
    fn missing_and_broken_files_are_errors() {
        let err = ScriptModule::load("/nonexistent/model.pt", None)
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "torch.jit.load('/nonexistent/model.pt'): no such file"
        );
        let dir = std::env::temp_dir().join(format!("tts-jit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("junk.pt");
        std::fs::write(&path, b"not a zip archive at all").unwrap();
        let err = ScriptModule::load(path.to_str().unwrap(), None)
            .err()
            .unwrap();
        let msg = err.to_string();
        assert!(msg.contains("PytorchStreamReader"), "{msg}");
        assert!(!msg.contains('\n'));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn interpreter_errors_keep_their_own_line() {
        let text = "The following operation failed in the TorchScript interpreter.\nTraceback of TorchScript (most recent call last):\n  File \"<string>\", line 3\nRuntimeError: mat1 and mat2 shapes cannot be multiplied (5x3 and 4x8)\n";
        assert_eq!(
            summarize_jit_message(text),
            "mat1 and mat2 shapes cannot be multiplied (5x3 and 4x8)"
        );
    }
}
