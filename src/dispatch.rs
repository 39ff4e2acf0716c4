//! The generated ops' one entry point (ts/generated, scripts/gen-ops.mjs):
//! `opLookup` finds an ATen operator once and records its argument kinds,
//! `opCall` converts the JS arguments by those kinds and calls it through
//! the dispatcher (torchts_core::dispatch). Type checks with PyTorch's
//! messages happen in TS; this layer only refuses what it cannot convert.
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use std::cell::RefCell;
use torchts_core::dispatch::{self, Arg, Number, Value};
use torchts_core::hold::{self, Access};
use torchts_core::kind::{parse_device, parse_kind};

thread_local! {
    /// Argument kinds per operator id, as the generator wrote them (one
    /// letter per schema argument; see `convert`). Per thread, like the TS
    /// caches that hold the ids (workers look their ops up again).
    static KINDS: RefCell<Vec<Option<Box<[u8]>>>> = const { RefCell::new(Vec::new()) };
}

/// Finds `aten::name.overload` and remembers its argument kinds; returns
/// the id `opCall` takes.
#[napi(catch_unwind)]
pub fn op_lookup(name: String, overload: String, kinds: String) -> Result<u32> {
    let id = dispatch::lookup(&name, &overload).or_throw()?;
    KINDS.with(|k| {
        let mut k = k.borrow_mut();
        if k.len() <= id {
            k.resize(id + 1, None);
        }
        k[id] = Some(kinds.into_bytes().into_boxed_slice());
    });
    u32::try_from(id).map_err(|_| invalid("too many operators"))
}

/// The schema of a looked-up operator, as PyTorch prints it.
#[napi(catch_unwind)]
pub fn op_schema(id: u32) -> Result<String> {
    dispatch::op(id as usize).or_throw()?.schema().or_throw()
}

/// The JS argument array, read element by element.
pub struct JsArgs {
    env: sys::napi_env,
    value: sys::napi_value,
}

impl FromNapiValue for JsArgs {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut is_array = false;
        unsafe { sys::napi_is_array(env, value, &mut is_array) };
        if !is_array {
            return Err(invalid("opCall: args must be an array"));
        }
        Ok(JsArgs { env, value })
    }
}

impl TypeName for JsArgs {
    fn type_name() -> &'static str {
        "unknown[]"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for JsArgs {}

impl JsArgs {
    fn len(&self) -> u32 {
        let mut n = 0;
        unsafe { sys::napi_get_array_length(self.env, self.value, &mut n) };
        n
    }

    fn get(&self, index: u32) -> sys::napi_value {
        let mut v = std::ptr::null_mut();
        unsafe { sys::napi_get_element(self.env, self.value, index, &mut v) };
        v
    }
}

fn type_of(env: sys::napi_env, v: sys::napi_value) -> ValueType {
    let mut t = 0;
    unsafe { sys::napi_typeof(env, v, &mut t) };
    ValueType::from(t)
}

fn is_none(env: sys::napi_env, v: sys::napi_value) -> bool {
    v.is_null() || matches!(type_of(env, v), ValueType::Null | ValueType::Undefined)
}

fn tensor_ref(env: sys::napi_env, v: sys::napi_value) -> Result<&'static Tensor> {
    unsafe { Tensor::from_napi_ref(env, v) }
}

/// A JS number as a Scalar: integral values are ints (Python's `2`), the rest floats.
fn scalar(env: sys::napi_env, v: sys::napi_value) -> Result<Arg<'static>> {
    if type_of(env, v) == ValueType::Boolean {
        return Ok(Arg::Bool(unsafe { bool::from_napi_value(env, v)? }));
    }
    let x = unsafe { f64::from_napi_value(env, v)? };
    // The one rule for JS numbers (README, "Dtypes from JavaScript numbers").
    Ok(if torchts_core::scalar::is_int_literal(x) {
        Arg::Int(x as i64)
    } else {
        Arg::Float(x)
    })
}

/// A number or boolean given for a Tensor parameter (the TS layer allows it
/// only where Python's argument parser does: add, sub, mul, div and kin).
fn wrapped_number(env: sys::napi_env, v: sys::napi_value) -> Result<Arg<'static>> {
    if type_of(env, v) == ValueType::Boolean {
        return Ok(Arg::WrappedNumber(Number::Bool(unsafe {
            bool::from_napi_value(env, v)?
        })));
    }
    let x = unsafe { f64::from_napi_value(env, v)? };
    Ok(Arg::WrappedNumber(
        if torchts_core::scalar::is_int_literal(x) {
            Number::Int(x as i64)
        } else {
            Number::Float(x)
        },
    ))
}

fn int(env: sys::napi_env, v: sys::napi_value) -> Result<i64> {
    let x = unsafe { f64::from_napi_value(env, v)? };
    if x.fract() != 0.0 || !x.is_finite() {
        return Err(invalid(format!("expected an integer, got {x}")));
    }
    Ok(x as i64)
}

fn list(env: sys::napi_env, v: sys::napi_value) -> Result<Vec<sys::napi_value>> {
    let args =
        unsafe { JsArgs::from_napi_value(env, v) }.map_err(|_| invalid("expected an array"))?;
    Ok((0..args.len()).map(|i| args.get(i)).collect())
}

/// One JS value as the kind the generator recorded for its schema slot:
/// a lowercase letter is required, its uppercase form optional (null or
/// undefined is None). t Tensor, a Tensor written in place, i int, f float,
/// b bool, s Scalar, l int[], d float[], n bool[], v Tensor[], w Tensor?[],
/// y dtype, o layout, e device, m memory format, c str, g generator.
fn convert(env: sys::napi_env, kind: u8, v: sys::napi_value) -> Result<Arg<'static>> {
    if kind.is_ascii_uppercase() && is_none(env, v) {
        return Ok(Arg::None);
    }
    Ok(match kind.to_ascii_lowercase() {
        b't' if matches!(type_of(env, v), ValueType::Number | ValueType::Boolean) => {
            wrapped_number(env, v)?
        }
        b't' => Arg::Tensor(tensor_ref(env, v)?.get()?),
        b'a' => {
            let t = tensor_ref(env, v)?.get()?;
            hold::check(t, Access::Write, "change it in place").or_throw()?;
            Arg::Tensor(t)
        }
        b'i' => Arg::Int(int(env, v)?),
        b'f' => Arg::Float(unsafe { f64::from_napi_value(env, v)? }),
        b'b' => Arg::Bool(unsafe { bool::from_napi_value(env, v)? }),
        b's' => scalar(env, v)?,
        b'l' => Arg::IntList(
            list(env, v)?
                .into_iter()
                .map(|x| int(env, x))
                .collect::<Result<_>>()?,
        ),
        b'd' => Arg::FloatList(
            list(env, v)?
                .into_iter()
                .map(|x| unsafe { f64::from_napi_value(env, x) })
                .collect::<Result<_>>()?,
        ),
        b'n' => Arg::BoolList(
            list(env, v)?
                .into_iter()
                .map(|x| unsafe { bool::from_napi_value(env, x) })
                .collect::<Result<_>>()?,
        ),
        b'v' => Arg::TensorList(
            list(env, v)?
                .into_iter()
                .map(|x| tensor_ref(env, x)?.get())
                .collect::<Result<_>>()?,
        ),
        b'w' => Arg::OptTensorList(
            list(env, v)?
                .into_iter()
                .map(|x| {
                    if is_none(env, x) {
                        Ok(None)
                    } else {
                        tensor_ref(env, x)?.get().map(Some)
                    }
                })
                .collect::<Result<_>>()?,
        ),
        b'y' => {
            Arg::ScalarType(parse_kind(&unsafe { String::from_napi_value(env, v)? }).or_throw()?)
        }
        b'o' => Arg::Layout(int(env, v)?),
        b'e' => {
            let device = parse_device(&unsafe { String::from_napi_value(env, v)? }).or_throw()?;
            crate::runtime::check_device(device)?;
            Arg::Device(device)
        }
        b'm' => Arg::MemoryFormat(int(env, v)?),
        b'c' => Arg::Str(unsafe { String::from_napi_value(env, v)? }),
        // A Generator parameter is `Generator?` in every schema: null is None.
        b'g' if is_none(env, v) => Arg::None,
        b'g' => {
            let instance = unsafe {
                ClassInstance::<crate::generator::NativeGenerator>::from_napi_value(env, v)?
            };
            let g: *const crate::generator::NativeGenerator = &*instance;
            // SAFETY: the JS Generator is an argument of this call, so it
            // outlives it, as argument tensors do (see `tensor_ref`).
            Arg::Generator(unsafe { &(*g).inner })
        }
        _ => {
            return Err(invalid(format!(
                "opCall: unknown argument kind '{}'",
                kind as char
            )))
        }
    })
}

/// What an op returned: one value, or an array for several (Python's tuple).
pub struct OpResult(Vec<Value>);

fn value_to_js(env: sys::napi_env, value: Value) -> Result<sys::napi_value> {
    let mut out = std::ptr::null_mut();
    unsafe {
        match value {
            Value::None => sys::napi_get_null(env, &mut out),
            Value::Tensor(t) => return Tensor::to_napi_value(env, Tensor::new(t)),
            Value::Int(i) => sys::napi_create_double(env, i as f64, &mut out),
            Value::Float(f) => sys::napi_create_double(env, f, &mut out),
            Value::Bool(b) => sys::napi_get_boolean(env, b, &mut out),
            Value::Complex(re, im) => {
                return value_to_js(env, Value::List(vec![Value::Float(re), Value::Float(im)]))
            }
            Value::List(items) => return list_to_js(env, items),
        };
    }
    Ok(out)
}

fn list_to_js(env: sys::napi_env, items: Vec<Value>) -> Result<sys::napi_value> {
    let mut array = std::ptr::null_mut();
    check_status!(unsafe { sys::napi_create_array_with_length(env, items.len(), &mut array) })?;
    for (i, item) in items.into_iter().enumerate() {
        let v = value_to_js(env, item)?;
        check_status!(unsafe { sys::napi_set_element(env, array, i as u32, v) })?;
    }
    Ok(array)
}

impl ToNapiValue for OpResult {
    unsafe fn to_napi_value(env: sys::napi_env, result: OpResult) -> Result<sys::napi_value> {
        let mut values = result.0;
        if values.len() == 1 {
            value_to_js(env, values.pop().expect("one value"))
        } else {
            list_to_js(env, values)
        }
    }
}

/// Calls operator `id` with `args` in schema order (every argument given;
/// the TS layer fills in PyTorch's defaults).
#[napi(
    catch_unwind,
    ts_args_type = "id: number, args: unknown[]",
    ts_return_type = "unknown"
)]
pub fn op_call(id: u32, args: JsArgs) -> Result<OpResult> {
    let op = dispatch::op(id as usize).or_throw()?;
    let converted = KINDS.with(|k| {
        let k = k.borrow();
        let kinds = k
            .get(id as usize)
            .and_then(|k| k.as_deref())
            .ok_or_else(|| invalid(format!("opCall: operator {id} was not looked up")))?;
        if args.len() as usize != kinds.len() {
            return Err(invalid(format!(
                "opCall: expected {} arguments, got {}",
                kinds.len(),
                args.len()
            )));
        }
        kinds
            .iter()
            .enumerate()
            .map(|(i, &kind)| convert(args.env, kind, args.get(i as u32)))
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(OpResult(op.call(&converted).or_throw()?))
}
