//! torch.jit: TorchScript modules from Python. Values cross as `JitArg` /
//! `JitValue` trees, which ts/jit/ivalue.ts makes from and turns back into
//! JavaScript values; this file maps them onto the engine's `jit::Value`.
use crate::error::{invalid, to_js, OrThrow};
use crate::tensor::{Tensor, TensorArg};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use torchts_core::hold::{hold, Hold, HoldGuard};
use torchts_core::jit::{Named, ScriptModule as CoreModule, Value};
use torchts_core::kind::parse_device;

/// A value passed to a TorchScript method (built by ts/jit/ivalue.ts).
#[napi(object, object_to_js = false)]
pub struct JitArg {
    /// 'none' | 'bool' | 'number' | 'int' | 'str' | 'tensor' | 'list' | 'tuple' | 'dict'
    pub kind: String,
    pub flag: Option<bool>,
    pub number: Option<f64>,
    /// A string, or an int's decimal digits (from a bigint).
    pub text: Option<String>,
    #[napi(ts_type = "Tensor")]
    pub tensor: Option<TensorArg>,
    /// A list's or tuple's items; a dict's values.
    pub items: Option<Vec<JitArg>>,
    /// A dict's keys.
    pub keys: Option<Vec<JitArg>>,
}

/// A value a TorchScript method returned (read by ts/jit/ivalue.ts).
#[napi(object, object_from_js = false)]
pub struct JitValue {
    /// 'none' | 'bool' | 'int' | 'float' | 'str' | 'tensor' | 'list' | 'tuple' | 'dict' | 'device'
    pub kind: String,
    pub flag: Option<bool>,
    pub number: Option<f64>,
    /// A string or device; an int's exact decimal digits.
    pub text: Option<String>,
    pub tensor: Option<Tensor>,
    pub items: Option<Vec<JitValue>>,
    pub keys: Option<Vec<JitValue>>,
}

fn missing(kind: &str, field: &str) -> Error {
    invalid(format!("a '{kind}' value has no {field}"))
}

fn to_value(arg: JitArg) -> Result<Value> {
    let kind = arg.kind.as_str();
    Ok(match kind {
        "none" => Value::None,
        "bool" => Value::Bool(arg.flag.ok_or_else(|| missing(kind, "flag"))?),
        "number" => Value::Number(arg.number.ok_or_else(|| missing(kind, "number"))?),
        "int" => {
            let digits = arg.text.ok_or_else(|| missing(kind, "text"))?;
            Value::Int(digits.parse().map_err(|_| {
                invalid(format!(
                    "{digits} does not fit in a 64-bit int (TorchScript's int)"
                ))
            })?)
        }
        "str" => Value::Str(arg.text.ok_or_else(|| missing(kind, "text"))?),
        "tensor" => {
            let t = arg.tensor.ok_or_else(|| missing(kind, "tensor"))?;
            Value::Tensor(t.get()?.shallow_clone())
        }
        "list" | "tuple" => {
            let items = arg.items.ok_or_else(|| missing(kind, "items"))?;
            let items = items
                .into_iter()
                .map(to_value)
                .collect::<Result<Vec<_>>>()?;
            if kind == "list" {
                Value::List(items)
            } else {
                Value::Tuple(items)
            }
        }
        "dict" => {
            let keys = arg.keys.ok_or_else(|| missing(kind, "keys"))?;
            let values = arg.items.ok_or_else(|| missing(kind, "items"))?;
            if keys.len() != values.len() {
                return Err(invalid("a dict's keys and values differ in length"));
            }
            let keys = keys.into_iter().map(to_value);
            let values = values.into_iter().map(to_value);
            Value::Dict(
                keys.zip(values)
                    .map(|(k, v)| Ok((k?, v?)))
                    .collect::<Result<Vec<_>>>()?,
            )
        }
        other => return Err(invalid(format!("unknown value kind '{other}'"))),
    })
}

fn leaf(kind: &str) -> JitValue {
    JitValue {
        kind: kind.into(),
        flag: None,
        number: None,
        text: None,
        tensor: None,
        items: None,
        keys: None,
    }
}

fn from_value(value: Value) -> JitValue {
    match value {
        Value::None => leaf("none"),
        Value::Bool(b) => JitValue {
            flag: Some(b),
            ..leaf("bool")
        },
        Value::Int(i) => JitValue {
            number: Some(i as f64),
            text: Some(i.to_string()),
            ..leaf("int")
        },
        Value::Number(d) => JitValue {
            number: Some(d),
            ..leaf("float")
        },
        Value::Str(s) => JitValue {
            text: Some(s),
            ..leaf("str")
        },
        Value::Device(d) => JitValue {
            text: Some(d),
            ..leaf("device")
        },
        Value::Tensor(t) => JitValue {
            tensor: Some(Tensor::new(t)),
            ..leaf("tensor")
        },
        Value::List(items) => JitValue {
            items: Some(items.into_iter().map(from_value).collect()),
            ..leaf("list")
        },
        Value::Tuple(items) => JitValue {
            items: Some(items.into_iter().map(from_value).collect()),
            ..leaf("tuple")
        },
        Value::Dict(entries) => {
            let (keys, values): (Vec<_>, Vec<_>) = entries.into_iter().unzip();
            JitValue {
                keys: Some(keys.into_iter().map(from_value).collect()),
                items: Some(values.into_iter().map(from_value).collect()),
                ..leaf("dict")
            }
        }
    }
}

fn tensors_of<'a>(value: &'a Value, out: &mut Vec<&'a tch::Tensor>) {
    match value {
        Value::Tensor(t) => out.push(t),
        Value::List(items) | Value::Tuple(items) => items.iter().for_each(|v| tensors_of(v, out)),
        Value::Dict(entries) => entries.iter().for_each(|(k, v)| {
            tensors_of(k, out);
            tensors_of(v, out);
        }),
        _ => {}
    }
}

#[napi(object, object_from_js = false)]
pub struct NamedJitTensors {
    pub names: Vec<String>,
    pub tensors: Vec<Tensor>,
}

/// Counts the background calls running on a module until dropped.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A loaded TorchScript module (ts/jit/script_module.ts wraps it).
#[napi]
pub struct NativeScriptModule {
    inner: Arc<RwLock<CoreModule>>,
    /// Background calls in flight: the module is not changed while any runs.
    running: Arc<AtomicUsize>,
}

impl NativeScriptModule {
    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, CoreModule>> {
        self.inner
            .read()
            .map_err(|_| invalid("ScriptModule is unusable after a panic"))
    }

    /// The module for a change, refused while a background call reads it.
    fn write(&self, action: &str) -> Result<std::sync::RwLockWriteGuard<'_, CoreModule>> {
        if self.running.load(Ordering::SeqCst) > 0 {
            return Err(invalid(format!(
                "ScriptModule is busy: forwardAsync/callMethodAsync is running on it; await it before {action}"
            )));
        }
        self.inner
            .write()
            .map_err(|_| invalid("ScriptModule is unusable after a panic"))
    }
}

pub struct CallTask {
    module: Arc<RwLock<CoreModule>>,
    method: String,
    args: Vec<Value>,
    grad_enabled: bool,
    result: Option<torchts_core::Result<Value>>,
    /// Parameters, buffers and inputs are read-only until the task is dropped
    /// (on the JS thread, once it settles).
    _holds: HoldGuard,
    _running: Running,
}

impl Task for CallTask {
    type Output = ();
    type JsValue = JitValue;

    fn compute(&mut self) -> Result<()> {
        torchts_core::runtime::use_background_threads();
        let previous = torchts_core::runtime::set_grad_enabled(self.grad_enabled);
        let result = match self.module.read() {
            Ok(module) => module.call(&self.method, &self.args),
            Err(_) => Err(torchts_core::Error::invalid(
                "ScriptModule is unusable after a panic",
            )),
        };
        torchts_core::runtime::set_grad_enabled(previous);
        self.args.clear();
        self.result = Some(result);
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<JitValue> {
        match self.result.take().expect("compute ran") {
            Ok(value) => Ok(from_value(value)),
            Err(e) => Err(to_js(e)),
        }
    }
}

#[napi]
impl NativeScriptModule {
    /// `torch.jit.load(path, map_location)`.
    #[napi(factory, catch_unwind)]
    pub fn load(path: String, device: Option<String>) -> Result<Self> {
        let device = device.map(|d| parse_device(&d).or_throw()).transpose()?;
        if let Some(d) = device {
            crate::runtime::check_device(d)?;
        }
        let module = CoreModule::load(&path, device).or_throw()?;
        Ok(Self {
            inner: Arc::new(RwLock::new(module)),
            running: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// `module.<method>(*args)` on this thread.
    #[napi(catch_unwind)]
    pub fn call(&self, method: String, args: Vec<JitArg>) -> Result<JitValue> {
        let args = args.into_iter().map(to_value).collect::<Result<Vec<_>>>()?;
        let out = self.read()?.call(&method, &args).or_throw()?;
        Ok(from_value(out))
    }

    /// `module.<method>(*args)` on napi's thread pool, under the caller's
    /// grad mode; any number may run at once.
    #[napi(catch_unwind, ts_return_type = "Promise<JitValue>")]
    pub fn call_async(
        &self,
        method: String,
        args: Vec<JitArg>,
        grad_enabled: bool,
    ) -> Result<AsyncTask<CallTask>> {
        let args = args.into_iter().map(to_value).collect::<Result<Vec<_>>>()?;
        let state = self.read()?.named_tensors(Named::StateDict).or_throw()?;
        let mut inputs = Vec::new();
        args.iter().for_each(|a| tensors_of(a, &mut inputs));
        let holds = hold(state.iter().map(|(_, t)| t).chain(inputs), Hold::Shared);
        self.running.fetch_add(1, Ordering::SeqCst);
        Ok(AsyncTask::new(CallTask {
            module: self.inner.clone(),
            method,
            args,
            grad_enabled,
            result: None,
            _holds: holds,
            _running: Running(self.running.clone()),
        }))
    }

    /// `forward` and the `@torch.jit.export` methods.
    #[napi(catch_unwind)]
    pub fn method_names(&self) -> Result<Vec<String>> {
        self.read()?.method_names().or_throw()
    }

    /// Python's repr of the module.
    #[napi(catch_unwind)]
    pub fn repr(&self) -> Result<String> {
        self.read()?.repr().or_throw()
    }

    #[napi(catch_unwind)]
    pub fn set_training(&self, on: bool) -> Result<()> {
        let action = if on { "train()" } else { "eval()" };
        self.write(action)?.set_training(on).or_throw()
    }

    #[napi(catch_unwind)]
    pub fn is_training(&self) -> Result<bool> {
        self.read()?.is_training().or_throw()
    }

    /// Moves parameters and buffers to `device`, in place.
    #[napi(catch_unwind)]
    pub fn to_device(&self, device: String) -> Result<()> {
        let device = parse_device(&device).or_throw()?;
        crate::runtime::check_device(device)?;
        self.write("to()")?.to_device(device).or_throw()
    }

    /// 'parameters' | 'buffers' | 'state': tensors sharing the module's storage.
    #[napi(catch_unwind)]
    pub fn named_tensors(&self, which: String) -> Result<NamedJitTensors> {
        let which = match which.as_str() {
            "parameters" => Named::Parameters,
            "buffers" => Named::Buffers,
            "state" => Named::StateDict,
            other => return Err(invalid(format!("unknown tensor set '{other}'"))),
        };
        let named = self.read()?.named_tensors(which).or_throw()?;
        let (names, tensors): (Vec<_>, Vec<_>) =
            named.into_iter().map(|(n, t)| (n, Tensor::new(t))).unzip();
        Ok(NamedJitTensors { names, tensors })
    }

    /// `torch.jit.save(module, path)`.
    #[napi(catch_unwind)]
    pub fn save(&self, path: String) -> Result<()> {
        self.read()?.save(&path).or_throw()
    }
}
