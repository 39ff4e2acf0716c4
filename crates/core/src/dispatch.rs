//! Any ATen operator by schema name, called boxed through libtorch's
//! dispatcher (csrc/dispatch.cpp): the one native entry point behind the
//! generated ops (scripts/gen-ops.mjs). Autograd runs as for Python's calls.
use crate::shim::{check, take_string};
use crate::{Error, Result};
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CString};
use std::sync::{Mutex, OnceLock};
use tch::{Device, Kind, Tensor};
use torch_sys::C_tensor;

#[repr(C)]
struct RawArg {
    tag: i32,
    len: i32,
    i: i64,
    f: f64,
    f2: f64,
    p: *const c_void,
}

#[repr(C)]
struct RawResult {
    tag: i32,
    i: i64,
    f: f64,
    f2: f64,
    t: *mut C_tensor,
}

extern "C" {
    fn tts_op_find(
        name: *const c_char,
        overload: *const c_char,
        out: *mut *mut c_void,
    ) -> *mut c_char;
    fn tts_op_schema(op: *mut c_void, out: *mut *mut c_char) -> *mut c_char;
    fn tts_op_call(
        op: *mut c_void,
        args: *const RawArg,
        n: i32,
        out: *mut *mut RawResult,
        count: *mut i32,
    ) -> *mut c_char;
    fn tts_results_free(results: *mut RawResult);
}

// Tags shared with csrc/dispatch.cpp.
const NONE: i32 = 0;
const TENSOR: i32 = 1;
const INT: i32 = 2;
const FLOAT: i32 = 3;
const BOOL: i32 = 4;
const COMPLEX: i32 = 5;
const INT_LIST: i32 = 6;
const FLOAT_LIST: i32 = 7;
const TENSOR_LIST: i32 = 8;
const OPT_TENSOR_LIST: i32 = 9;
const SCALAR_TYPE: i32 = 10;
const LAYOUT: i32 = 11;
const DEVICE: i32 = 12;
const MEMORY_FORMAT: i32 = 13;
const STRING: i32 = 14;
const BOOL_LIST: i32 = 15;
const LIST: i32 = 16;
const WRAPPED_NUMBER: i32 = 17;
const GENERATOR: i32 = 18;

/// One argument of a boxed call, in the operator's schema order.
pub enum Arg<'a> {
    None,
    Tensor(&'a Tensor),
    Int(i64),
    Float(f64),
    Bool(bool),
    Complex(f64, f64),
    IntList(Vec<i64>),
    FloatList(Vec<f64>),
    BoolList(Vec<bool>),
    TensorList(Vec<&'a Tensor>),
    /// `Tensor?[]` (e.g. `index`'s indices): None takes a whole dim.
    OptTensorList(Vec<Option<&'a Tensor>>),
    ScalarType(Kind),
    /// c10::Layout (0 strided, 1 sparse COO).
    Layout(i64),
    Device(Device),
    /// c10::MemoryFormat (0 contiguous, 1 preserve, 2 channels last, 3 channels last 3d).
    MemoryFormat(i64),
    Str(String),
    /// A number where the schema says Tensor, as Python's parser passes one
    /// to add/sub/mul/div: a 0-dim tensor that promotes as a scalar.
    WrappedNumber(Number),
    /// A `torch.Generator` for a random op's `generator` argument.
    Generator(&'a crate::generator::Generator),
}

/// A JS number or boolean as Python would read it.
#[derive(Clone, Copy, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// One result: a tuple or list result is a `List`.
#[derive(Debug)]
pub enum Value {
    None,
    Tensor(Tensor),
    Int(i64),
    Float(f64),
    Bool(bool),
    Complex(f64, f64),
    List(Vec<Value>),
}

/// c10::ScalarType's number for a tch Kind.
pub fn scalar_type(kind: Kind) -> i64 {
    match kind {
        Kind::Uint8 => 0,
        Kind::Int8 => 1,
        Kind::Int16 => 2,
        Kind::Int => 3,
        Kind::Int64 => 4,
        Kind::Half => 5,
        Kind::Float => 6,
        Kind::Double => 7,
        Kind::ComplexHalf => 8,
        Kind::ComplexFloat => 9,
        Kind::ComplexDouble => 10,
        Kind::Bool => 11,
        Kind::QInt8 => 12,
        Kind::QUInt8 => 13,
        Kind::QInt32 => 14,
        Kind::BFloat16 => 15,
        _ => -1,
    }
}

/// A looked-up operator. The handle lives for the process (libtorch never
/// unregisters its operators), so it is freely copied and shared.
#[derive(Clone, Copy)]
pub struct Op(*mut c_void);

// SAFETY: an OperatorHandle is an immutable pointer into the dispatcher's
// table; the dispatcher itself is thread-safe.
unsafe impl Send for Op {}
unsafe impl Sync for Op {}

struct Registry {
    ops: Vec<Op>,
    ids: HashMap<(String, String), usize>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Mutex::new(Registry {
            ops: Vec::new(),
            ids: HashMap::new(),
        })
    })
}

/// The id of `aten::name.overload` (overload "" for the default), looked up
/// once per process; an unknown operator is an error.
pub fn lookup(name: &str, overload: &str) -> Result<usize> {
    let mut reg = registry().lock().unwrap_or_else(|p| p.into_inner());
    let key = (name.to_string(), overload.to_string());
    if let Some(&id) = reg.ids.get(&key) {
        return Ok(id);
    }
    let op = Op::find(name, overload)?;
    reg.ops.push(op);
    let id = reg.ops.len() - 1;
    reg.ids.insert(key, id);
    Ok(id)
}

/// The operator behind an id from `lookup`.
pub fn op(id: usize) -> Result<Op> {
    let reg = registry().lock().unwrap_or_else(|p| p.into_inner());
    reg.ops
        .get(id)
        .copied()
        .ok_or_else(|| Error::invalid(format!("no operator with id {id}")))
}

fn c_string(text: &str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::invalid(format!("operator name {text:?} holds a NUL")))
}

impl Op {
    /// Finds `name` (e.g. "aten::add") with `overload` (e.g. "Tensor", or "").
    pub fn find(name: &str, overload: &str) -> Result<Op> {
        let (name, overload) = (c_string(name)?, c_string(overload)?);
        let mut out = std::ptr::null_mut();
        check(unsafe { tts_op_find(name.as_ptr(), overload.as_ptr(), &mut out) })?;
        Ok(Op(out))
    }

    /// The schema, as PyTorch prints it.
    pub fn schema(&self) -> Result<String> {
        let mut out = std::ptr::null_mut();
        check(unsafe { tts_op_schema(self.0, &mut out) })?;
        Ok(unsafe { take_string(out) })
    }

    /// Calls the operator with `args` in schema order (defaults are not
    /// filled in here: the caller passes every argument).
    pub fn call(&self, args: &[Arg]) -> Result<Vec<Value>> {
        // Lists must outlive the call: the raw arguments point into them.
        let mut tensor_lists: Vec<Vec<*const C_tensor>> = Vec::new();
        let mut bool_lists: Vec<Vec<u8>> = Vec::new();
        for arg in args {
            match arg {
                Arg::TensorList(ts) => tensor_lists.push(ts.iter().map(|t| t.as_ptr()).collect()),
                Arg::OptTensorList(ts) => tensor_lists.push(
                    ts.iter()
                        .map(|t| t.map_or(std::ptr::null(), |t| t.as_ptr()))
                        .collect(),
                ),
                Arg::BoolList(bs) => bool_lists.push(bs.iter().map(|&b| b as u8).collect()),
                _ => {}
            }
        }
        let (mut next_tensors, mut next_bools) = (tensor_lists.iter(), bool_lists.iter());
        let mut raw = Vec::with_capacity(args.len());
        for arg in args {
            let mut r = RawArg {
                tag: NONE,
                len: 0,
                i: 0,
                f: 0.0,
                f2: 0.0,
                p: std::ptr::null(),
            };
            match arg {
                Arg::None => {}
                Arg::Generator(g) => (r.tag, r.p) = (GENERATOR, g.as_raw().cast_const()),
                Arg::WrappedNumber(Number::Int(v)) => (r.tag, r.i, r.len) = (WRAPPED_NUMBER, *v, 0),
                Arg::WrappedNumber(Number::Float(v)) => {
                    (r.tag, r.f, r.len) = (WRAPPED_NUMBER, *v, 1)
                }
                Arg::WrappedNumber(Number::Bool(v)) => {
                    (r.tag, r.i, r.len) = (WRAPPED_NUMBER, *v as i64, 2)
                }
                Arg::Tensor(t) => (r.tag, r.p) = (TENSOR, t.as_ptr().cast()),
                Arg::Int(v) => (r.tag, r.i) = (INT, *v),
                Arg::Float(v) => (r.tag, r.f) = (FLOAT, *v),
                Arg::Bool(v) => (r.tag, r.i) = (BOOL, *v as i64),
                Arg::Complex(re, im) => (r.tag, r.f, r.f2) = (COMPLEX, *re, *im),
                Arg::IntList(v) => (r.tag, r.p, r.len) = (INT_LIST, v.as_ptr().cast(), len(v)?),
                Arg::FloatList(v) => (r.tag, r.p, r.len) = (FLOAT_LIST, v.as_ptr().cast(), len(v)?),
                Arg::BoolList(_) => {
                    let v = next_bools.next().expect("collected above");
                    (r.tag, r.p, r.len) = (BOOL_LIST, v.as_ptr().cast(), len(v)?)
                }
                Arg::TensorList(_) | Arg::OptTensorList(_) => {
                    let v = next_tensors.next().expect("collected above");
                    let tag = if matches!(arg, Arg::TensorList(_)) {
                        TENSOR_LIST
                    } else {
                        OPT_TENSOR_LIST
                    };
                    (r.tag, r.p, r.len) = (tag, v.as_ptr().cast(), len(v)?)
                }
                Arg::ScalarType(kind) => {
                    let st = scalar_type(*kind);
                    if st < 0 {
                        return Err(Error::invalid(format!("unsupported dtype {kind:?}")));
                    }
                    (r.tag, r.i) = (SCALAR_TYPE, st)
                }
                Arg::Layout(v) => (r.tag, r.i) = (LAYOUT, *v),
                Arg::Device(d) => {
                    let (ty, index) = match d {
                        Device::Cpu => (0, -1),
                        Device::Cuda(i) => (1, *i as i32),
                        Device::Mps => (13, -1),
                        Device::Vulkan => (10, -1),
                    };
                    (r.tag, r.i, r.len) = (DEVICE, ty, index)
                }
                Arg::MemoryFormat(v) => (r.tag, r.i) = (MEMORY_FORMAT, *v),
                Arg::Str(s) => {
                    (r.tag, r.p, r.len) = (STRING, s.as_ptr().cast(), len(s.as_bytes())?)
                }
            }
            raw.push(r);
        }
        let mut out = std::ptr::null_mut();
        let mut count = 0;
        check(unsafe { tts_op_call(self.0, raw.as_ptr(), len(&raw)?, &mut out, &mut count) })?;
        // SAFETY: on success `out` holds `count` results; every tensor is a
        // new heap handle that `Tensor::from_ptr` takes over.
        let results = unsafe { std::slice::from_raw_parts(out, count as usize) };
        let mut items = results.iter();
        let mut values = Vec::new();
        while let Some(r) = items.next() {
            values.push(unsafe { take_value(r, &mut items) });
        }
        unsafe { tts_results_free(out) };
        Ok(values)
    }
}

fn len<T>(v: &[T]) -> Result<i32> {
    i32::try_from(v.len()).map_err(|_| Error::invalid("argument list too long"))
}

unsafe fn take_value<'a>(r: &RawResult, rest: &mut impl Iterator<Item = &'a RawResult>) -> Value {
    match r.tag {
        TENSOR => Value::Tensor(unsafe { Tensor::from_ptr(r.t) }),
        INT => Value::Int(r.i),
        FLOAT => Value::Float(r.f),
        BOOL => Value::Bool(r.i != 0),
        COMPLEX => Value::Complex(r.f, r.f2),
        LIST => {
            let mut items = Vec::with_capacity(r.i as usize);
            for _ in 0..r.i {
                let Some(item) = rest.next() else { break };
                items.push(unsafe { take_value(item, rest) });
            }
            Value::List(items)
        }
        _ => Value::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(v: &Value) -> &Tensor {
        match v {
            Value::Tensor(t) => t,
            other => panic!("expected a tensor, got {other:?}"),
        }
    }

    #[test]
    fn calls_an_operator_by_name() {
        let a = Tensor::from_slice(&[1.0f32, -2.0, 3.0]);
        let b = Tensor::from_slice(&[0.5f32, 4.0, -1.0]);
        let id = lookup("aten::atan2", "").unwrap();
        assert_eq!(lookup("aten::atan2", "").unwrap(), id, "looked up once");
        let out = op(id)
            .unwrap()
            .call(&[Arg::Tensor(&a), Arg::Tensor(&b)])
            .unwrap();
        assert_eq!(out.len(), 1);
        assert!(tensor(&out[0]).equal(&a.atan2(&b)));
    }

    #[test]
    fn scalars_lists_and_tuples() {
        let x = Tensor::from_slice(&[3.0f64, 1.0, 2.0, 5.0]).reshape([2, 2]);
        // add.Scalar(self, Scalar other, Scalar alpha)
        let out = Op::find("aten::add", "Scalar")
            .unwrap()
            .call(&[Arg::Tensor(&x), Arg::Float(1.5), Arg::Int(2)])
            .unwrap();
        assert!(tensor(&out[0]).equal(&(&x + 3.0)));
        // topk returns a tuple: two results on the stack.
        let out = Op::find("aten::topk", "")
            .unwrap()
            .call(&[
                Arg::Tensor(&x),
                Arg::Int(1),
                Arg::Int(1),
                Arg::Bool(true),
                Arg::Bool(true),
            ])
            .unwrap();
        let (v, i) = x.topk(1, 1, true, true);
        assert!(tensor(&out[0]).equal(&v) && tensor(&out[1]).equal(&i));
        // sum.dim_IntList(self, int[1]? dim, bool keepdim, ScalarType? dtype)
        let out = Op::find("aten::sum", "dim_IntList")
            .unwrap()
            .call(&[
                Arg::Tensor(&x),
                Arg::IntList(vec![0]),
                Arg::Bool(true),
                Arg::ScalarType(Kind::Float),
            ])
            .unwrap();
        let expected = x.sum_dim_intlist([0i64].as_slice(), true, Kind::Float);
        assert!(tensor(&out[0]).equal(&expected));
        // unbind returns Tensor[]: one list result.
        let out = Op::find("aten::unbind", "int")
            .unwrap()
            .call(&[Arg::Tensor(&x), Arg::Int(0)])
            .unwrap();
        match &out[0] {
            Value::List(items) => assert_eq!(items.len(), 2),
            other => panic!("expected a list, got {other:?}"),
        }
        let out = Op::find("aten::is_nonzero", "")
            .unwrap()
            .call(&[Arg::Tensor(&Tensor::from_slice(&[2i64]))])
            .unwrap();
        assert!(matches!(out[0], Value::Bool(true)));
    }

    #[test]
    fn tensor_lists_and_optional_tensor_lists() {
        let a = Tensor::from_slice(&[1i64, 2]);
        let b = Tensor::from_slice(&[3i64]);
        let out = Op::find("aten::cat", "")
            .unwrap()
            .call(&[Arg::TensorList(vec![&a, &b]), Arg::Int(0)])
            .unwrap();
        assert_eq!(
            Vec::<i64>::try_from(tensor(&out[0])).unwrap(),
            vec![1, 2, 3]
        );
        let x = Tensor::from_slice(&[10i64, 20, 30, 40]).reshape([2, 2]);
        let cols = Tensor::from_slice(&[1i64, 0]);
        let out = Op::find("aten::index", "Tensor")
            .unwrap()
            .call(&[Arg::Tensor(&x), Arg::OptTensorList(vec![None, Some(&cols)])])
            .unwrap();
        let got = tensor(&out[0]).reshape([-1]);
        assert_eq!(Vec::<i64>::try_from(&got).unwrap(), vec![20, 10, 40, 30]);
    }

    #[test]
    fn factory_options_and_strings() {
        // linspace(Scalar start, Scalar end, int steps, *, ScalarType? dtype, Layout? layout, Device? device, bool? pin_memory)
        let out = Op::find("aten::linspace", "")
            .unwrap()
            .call(&[
                Arg::Int(0),
                Arg::Int(1),
                Arg::Int(5),
                Arg::ScalarType(Kind::Double),
                Arg::Layout(0),
                Arg::Device(Device::Cpu),
                Arg::None,
            ])
            .unwrap();
        let t = tensor(&out[0]);
        assert_eq!(t.kind(), Kind::Double);
        assert_eq!(
            Vec::<f64>::try_from(t).unwrap(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        // div.Tensor_mode(self, other, *, str? rounding_mode)
        let x = Tensor::from_slice(&[7.0f32, -7.0]);
        let y = Tensor::from_slice(&[2.0f32, 2.0]);
        let out = Op::find("aten::div", "Tensor_mode")
            .unwrap()
            .call(&[Arg::Tensor(&x), Arg::Tensor(&y), Arg::Str("floor".into())])
            .unwrap();
        assert_eq!(
            Vec::<f32>::try_from(tensor(&out[0])).unwrap(),
            vec![3.0, -4.0]
        );
    }

    #[test]
    fn errors_come_back_as_messages() {
        let err = Op::find("aten::no_such_op", "").err().unwrap();
        assert!(err.to_string().contains("aten::no_such_op"), "{err}");
        let a = Tensor::from_slice(&[1.0f32, 2.0]);
        let b = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
        let err = Op::find("aten::atan2", "")
            .unwrap()
            .call(&[Arg::Tensor(&a), Arg::Tensor(&b)])
            .err()
            .unwrap();
        assert!(err.to_string().contains("must match the size"), "{err}");
        // A sparse result is refused: torchts tensors are strided.
        let err = Op::find("aten::to_sparse", "sparse_dim")
            .unwrap()
            .call(&[Arg::Tensor(&a), Arg::Int(1)])
            .err()
            .unwrap();
        assert!(err.to_string().contains("strided tensors only"), "{err}");
        // Too few arguments for the schema: our check, not a crash.
        let err = Op::find("aten::atan2", "")
            .unwrap()
            .call(&[Arg::Tensor(&a)])
            .err();
        assert!(err.is_some());
    }

    #[test]
    fn autograd_runs_through_the_dispatcher() {
        let x = Tensor::from_slice(&[0.5f64, 1.5]).set_requires_grad(true);
        let out = Op::find("aten::sinh", "")
            .unwrap()
            .call(&[Arg::Tensor(&x)])
            .unwrap();
        let y = tensor(&out[0]).sum(Kind::Double);
        y.backward();
        assert!(x.grad().allclose(&x.cosh(), 0.0, 0.0, false));
    }

    #[test]
    fn schema_text() {
        let s = Op::find("aten::atan2", "").unwrap().schema().unwrap();
        assert_eq!(s, "aten::atan2(Tensor self, Tensor other) -> Tensor");
    }
}
