//! Tensor handles: one native tensor per JS tensor, and the tensor ops as
//! functions taking handles (`native.add(a, b)`). They convert arguments and
//! call tch; shapes, dtypes and names follow PyTorch.
use crate::error::{invalid, OrThrow};
use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use tch::{Device, Kind, Tensor as TchTensor};
use torchts_core::hold::{self, Access, Hold};
use torchts_core::kind::{device_name, kind_name, parse_device, parse_kind};
use torchts_core::memory::span_bytes;
use torchts_core::scalar;

/// One libtorch tensor owned by JavaScript: the payload of an N-API External
/// that a TS `Tensor` holds in `_n`. Made with `napi_create_external` rather
/// than as a napi-rs class: no JS constructor call, wrap, reference or borrow
/// registry per tensor, which were most of the cost of a small op.
pub struct Tensor {
    /// `TENSOR_MAGIC` while alive: an External that is not ours is refused.
    magic: u64,
    /// None once disposed. Only `dispose` writes it (see `inner`).
    inner: UnsafeCell<Option<TchTensor>>,
    /// Bytes reported to V8 as external memory (0 once disposed).
    external_bytes: Cell<i64>,
}

const TENSOR_MAGIC: u64 = u64::from_be_bytes(*b"torchts\x01");

impl Drop for Tensor {
    fn drop(&mut self) {
        self.magic = 0;
    }
}

/// Frees a tensor whose External was collected. Runs inside garbage
/// collection (see `node_api_module_get_api_version_v1` in lib.rs), so it
/// only does native work: drop the tensor, then lower V8's external count.
unsafe extern "C" fn finalize_tensor(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    let tensor = unsafe { Box::from_raw(data.cast::<Tensor>()) };
    let bytes = tensor.external_bytes.get();
    drop(tensor);
    if bytes != 0 {
        let mut total = 0;
        unsafe { sys::napi_adjust_external_memory(env, -bytes, &mut total) };
    }
}

impl ToNapiValue for Tensor {
    unsafe fn to_napi_value(env: sys::napi_env, tensor: Tensor) -> Result<sys::napi_value> {
        let bytes = tensor.external_bytes.get();
        let data = Box::into_raw(Box::new(tensor));
        let mut value = std::ptr::null_mut();
        let status = unsafe {
            sys::napi_create_external(
                env,
                data.cast(),
                Some(finalize_tensor),
                std::ptr::null_mut(),
                &mut value,
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Box::from_raw(data) });
            return Err(Error::new(
                Status::GenericFailure,
                "could not create a tensor handle",
            ));
        }
        if bytes != 0 {
            let mut total = 0;
            unsafe { sys::napi_adjust_external_memory(env, bytes, &mut total) };
        }
        Ok(value)
    }
}

impl FromNapiRef for Tensor {
    unsafe fn from_napi_ref(env: sys::napi_env, value: sys::napi_value) -> Result<&'static Tensor> {
        let mut data = std::ptr::null_mut();
        let status = unsafe { sys::napi_get_value_external(env, value, &mut data) };
        let tensor = data.cast::<Tensor>();
        // SAFETY: only Externals this addon made hold a live `Tensor` with the
        // magic word; the TS layer passes nothing else (it is `Tensor._n`).
        if status != sys::Status::napi_ok
            || tensor.is_null()
            || unsafe { (*tensor).magic } != TENSOR_MAGIC
        {
            return Err(invalid("expected a tensor handle"));
        }
        Ok(unsafe { &*tensor })
    }
}

/// A tensor handle inside an argument object (`{ xTrain, yTrain, … }`),
/// borrowed for the call like a `&Tensor` argument: the object, and so the
/// handle, stays reachable until the call returns.
pub struct TensorArg(&'static Tensor);

impl FromNapiValue for TensorArg {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        Ok(TensorArg(unsafe { Tensor::from_napi_ref(env, value)? }))
    }
}

impl TypeName for TensorArg {
    fn type_name() -> &'static str {
        "Tensor"
    }

    fn value_type() -> ValueType {
        ValueType::External
    }
}

impl ValidateNapiValue for TensorArg {}

impl std::ops::Deref for TensorArg {
    type Target = Tensor;

    fn deref(&self) -> &Tensor {
        self.0
    }
}

impl TypeName for Tensor {
    fn type_name() -> &'static str {
        "Tensor"
    }

    fn value_type() -> ValueType {
        ValueType::External
    }
}

impl ValidateNapiValue for Tensor {}

/// Host bytes to report to V8: the span of storage a tensor addresses (a
/// broadcast view of one element spans one element, not its logical size,
/// which can pass V8's limit and abort it). Device memory is left out: V8
/// sizes its heap by host memory, and counting GPU activations made it
/// collect after nearly every CUDA op (W2 inference on an H100 ran 100x
/// slower than PyTorch). Read through libtorch's C API into stack buffers:
/// this runs for every new tensor, and tch's accessors allocate.
fn byte_size(t: &TchTensor) -> i64 {
    const MAX_DIMS: usize = 16;
    let c = t.as_ptr().cast_mut();
    // SAFETY: `c` is a live tensor; the buffers hold `dim` entries.
    unsafe {
        if torch_sys::at_device(c) != -1 {
            return 0; // not on the CPU
        }
        let dim = torch_sys::at_dim(c);
        if dim > MAX_DIMS {
            return byte_size_of_many_dims(t);
        }
        let (mut sizes, mut strides) = ([0i64; MAX_DIMS], [0i64; MAX_DIMS]);
        torch_sys::at_shape(c, sizes.as_mut_ptr());
        torch_sys::at_stride(c, strides.as_mut_ptr());
        let Ok(kind) = t.f_kind() else { return 0 };
        reported_bytes(span_bytes(&sizes[..dim], &strides[..dim], kind))
    }
}

#[cold]
fn byte_size_of_many_dims(t: &TchTensor) -> i64 {
    let kind = t.f_kind().unwrap_or(Kind::Uint8);
    reported_bytes(span_bytes(&t.size(), &t.stride(), kind))
}

/// A span as V8 is told it: capped, since V8 aborts on absurd sizes, and
/// an overflowing span counts as the cap.
fn reported_bytes(span: Option<u64>) -> i64 {
    const MAX_REPORTED: u64 = 1 << 40;
    span.map_or(MAX_REPORTED, |b| b.min(MAX_REPORTED)) as i64
}

/// `op(t, scalar)` (see `torchts_core::scalar`).
fn scalar_op(t: &TchTensor, value: f64, op: scalar::ScalarOp) -> Result<TchTensor> {
    scalar::scalar_op(t, value, op).or_throw()
}

pub fn kind_arg(dtype: Option<String>, default: Kind) -> Result<Kind> {
    Ok(optional_kind(dtype)?.unwrap_or(default))
}

pub fn optional_kind(dtype: Option<String>) -> Result<Option<Kind>> {
    dtype.map(|d| parse_kind(&d).or_throw()).transpose()
}

pub fn device_arg(device: Option<String>) -> Result<Device> {
    let device = device
        .map(|d| parse_device(&d).or_throw())
        .unwrap_or(Ok(Device::Cpu))?;
    crate::runtime::check_device(device)?;
    Ok(device)
}

fn dims(values: &[i64]) -> Result<Vec<i64>> {
    if let Some(bad) = values.iter().find(|&&d| d < 0) {
        return Err(invalid(format!(
            "Trying to create tensor with negative dimension {bad}: {values:?}"
        )));
    }
    Ok(values.to_vec())
}

impl Tensor {
    /// A new handle; V8 is told its size when it reaches JS.
    pub fn new(t: TchTensor) -> Tensor {
        let bytes = byte_size(&t);
        Tensor {
            magic: TENSOR_MAGIC,
            inner: UnsafeCell::new(Some(t)),
            external_bytes: Cell::new(bytes),
        }
    }

    /// The tensor unless disposed. SAFETY of the `UnsafeCell`: JS runs one
    /// native call at a time on this thread, `dispose` is the only writer and
    /// holds no reference while it writes, and a GC finalizer only frees
    /// handles JS can no longer reach (never an argument of a running call).
    fn inner(&self) -> Option<&TchTensor> {
        unsafe { (*self.inner.get()).as_ref() }
    }

    /// The live tch tensor, or a clear error after dispose() or while a
    /// background task (fitAsync) holds its memory.
    pub fn get(&self) -> Result<&TchTensor> {
        let t = self
            .inner()
            .ok_or_else(|| invalid("tensor has been disposed"))?;
        hold::check(t, Access::Read, "read it").or_throw()?;
        Ok(t)
    }

    /// A handle for an in-place op (it shares the TensorImpl, so the op
    /// changes this tensor), refused while a background task holds it.
    pub(crate) fn get_for_write(&self) -> Result<TchTensor> {
        self.get_for(Access::Write, "change it in place")
            .map(|t| t.shallow_clone())
    }

    fn get_for(&self, access: Access, action: &str) -> Result<&TchTensor> {
        let t = self
            .inner()
            .ok_or_else(|| invalid("tensor has been disposed"))?;
        hold::check(t, access, action).or_throw()?;
        Ok(t)
    }
}

/// `fn name(&self) -> Tensor` for ops without arguments.
macro_rules! unary_ops {
    ($($js:literal $name:ident => $op:ident),* $(,)?) => {
            $(
                #[napi(js_name = $js, catch_unwind)]
                pub fn $name(tensor: &Tensor) -> Result<Tensor> {
                    Ok(Tensor::new(tensor.get()?.$op().or_throw()?))
                }
            )*
    };
}

/// Tensor-tensor ops with broadcasting.
macro_rules! binary_ops {
    ($($name:ident => $op:ident),* $(,)?) => {
            $(
                #[napi(catch_unwind)]
                pub fn $name(tensor: &Tensor, other: &Tensor) -> Result<Tensor> {
                    Ok(Tensor::new(tensor.get()?.$op(other.get()?).or_throw()?))
                }
            )*
    };
}

/// Ops with a Python number that Python sends to the Scalar overload.
macro_rules! scalar_ops {
    ($($name:ident => $atg:ident),* $(,)?) => {
            $(
                #[napi(catch_unwind)]
                pub fn $name(tensor: &Tensor, other: f64) -> Result<Tensor> {
                    Ok(Tensor::new(scalar_op(tensor.get()?, other, scalar::c::$atg)?))
                }
            )*
    };
}

/// `x + 2` and the like: Python wraps the number in a 0-dim tensor and calls
/// the Tensor overload, so that is what autograd records (`AddBackward0`).
macro_rules! number_ops {
    ($($name:ident => $op:ident),* $(,)?) => {
            $(
                #[napi(catch_unwind)]
                pub fn $name(tensor: &Tensor, other: f64) -> Result<Tensor> {
                    let t = tensor.get()?;
                    Ok(Tensor::new(t.$op(&scalar::number_tensor(t, other).or_throw()?).or_throw()?))
                }
            )*
    };
}

unary_ops! {
    "neg" neg => f_neg, "abs" abs => f_abs, "exp" exp => f_exp, "log" log => f_log,
    "sqrt" sqrt => f_sqrt, "relu" relu => f_relu, "sigmoid" sigmoid => f_sigmoid, "tanh" tanh => f_tanh,
    "t" t => f_tr, "contiguous" contiguous => f_contiguous, "detach" detach => f_detach,
    "sign" sign => f_sign, "floor" floor => f_floor, "ceil" ceil => f_ceil, "round" round => f_round,
    "sin" sin => f_sin, "cos" cos => f_cos, "square" square => f_square, "reciprocal" reciprocal => f_reciprocal,
    "logicalNot" logical_not => f_logical_not, "isnan" isnan => f_isnan, "isfinite" isfinite => f_isfinite,
    "nonzero" nonzero => f_nonzero,
}

binary_ops! {
    add => f_add, sub => f_sub, mul => f_mul, div => f_div, pow => f_pow,
    eq => f_eq_tensor, ne => f_ne_tensor, gt => f_gt_tensor, lt => f_lt_tensor,
    ge => f_ge_tensor, le => f_le_tensor, remainder => f_remainder_tensor,
}

number_ops! {
    add_scalar => f_add, sub_scalar => f_sub, mul_scalar => f_mul, div_scalar => f_div,
}

scalar_ops! {
    pow_scalar => atg_pow_tensor_scalar, remainder_scalar => atg_remainder,
    eq_scalar => atg_eq, ne_scalar => atg_ne, gt_scalar => atg_gt,
    lt_scalar => atg_lt, ge_scalar => atg_ge, le_scalar => atg_le,
}

/// Copies `bytes` (the raw contents of a typed array) into a new tensor.
#[napi(catch_unwind)]
pub fn from_bytes(
    bytes: Uint8Array,
    shape: Vec<i64>,
    source_dtype: String,
    dtype: Option<String>,
    device: Option<String>,
) -> Result<Tensor> {
    let source = parse_kind(&source_dtype).or_throw()?;
    let shape = dims(&shape)?;
    let numel: i64 = shape.iter().product();
    if numel as usize * source.elt_size_in_bytes() != bytes.len() {
        return Err(invalid(format!(
            "{} bytes of {} data do not fill shape {:?}",
            bytes.len(),
            source_dtype,
            shape
        )));
    }
    let mut t = TchTensor::f_from_data_size(&bytes, &shape, source).or_throw()?;
    let kind = kind_arg(dtype, source)?;
    if kind != source {
        t = t.f_to_kind(kind).or_throw()?;
    }
    let device = device_arg(device)?;
    if device != Device::Cpu {
        t = t.f_to_device(device).or_throw()?;
    }
    Ok(Tensor::new(t))
}

#[napi(catch_unwind)]
pub fn shape(tensor: &Tensor) -> Result<Vec<i64>> {
    Ok(tensor.get()?.size())
}

#[napi(catch_unwind)]
pub fn dtype(tensor: &Tensor) -> Result<&'static str> {
    Ok(kind_name(tensor.get()?.f_kind().or_throw()?))
}

#[napi(catch_unwind)]
pub fn device(tensor: &Tensor) -> Result<String> {
    Ok(device_name(tensor.get()?.device()))
}

#[napi(catch_unwind)]
pub fn numel(tensor: &Tensor) -> Result<i64> {
    Ok(tensor.get()?.numel() as i64)
}

#[napi(catch_unwind)]
pub fn dim(tensor: &Tensor) -> Result<u32> {
    Ok(tensor.get()?.dim() as u32)
}

#[napi(catch_unwind)]
pub fn is_disposed(tensor: &Tensor) -> bool {
    tensor.inner().is_none()
}

#[napi(catch_unwind)]
pub fn requires_grad(tensor: &Tensor) -> Result<bool> {
    Ok(tensor.get()?.requires_grad())
}

#[napi(catch_unwind)]
pub fn set_requires_grad(tensor: &Tensor, value: bool) -> Result<()> {
    let mut t = tensor.get_for_write()?;
    if value && !t.is_floating_point() {
        return Err(invalid(
            "only Tensors of floating point dtype can require gradients",
        ));
    }
    let _ = t.f_requires_grad_(value).or_throw()?;
    Ok(())
}

/// The accumulated gradient, or null before any backward().
#[napi(catch_unwind)]
pub fn grad(tensor: &Tensor) -> Result<Option<Tensor>> {
    let g = tensor.get()?.grad();
    if g.defined() {
        Ok(Some(Tensor::new(g)))
    } else {
        Ok(None)
    }
}

/// `zero_grad`: the gradient becomes None (`set_to_none`, PyTorch's
/// default) or is zeroed in place.
#[napi(catch_unwind)]
pub fn zero_grad(tensor: &Tensor, set_to_none: bool) -> Result<()> {
    let t = tensor.get_for_write()?;
    if set_to_none {
        torchts_core::autograd::set_grad_to_none(&t).or_throw()?;
    } else {
        let mut t = t;
        t.zero_grad();
    }
    Ok(())
}

/// Frees the native memory now; later use throws.
#[napi(catch_unwind)]
pub fn dispose(env: Env, tensor: &Tensor) -> Result<()> {
    if tensor.inner().is_some() {
        tensor.get_for(Access::Write, "dispose it")?;
    }
    // SAFETY: see `Tensor::inner`; nothing borrows the tensor here.
    let freed = unsafe { (*tensor.inner.get()).take() };
    let bytes = tensor.external_bytes.replace(0);
    if freed.is_some() && bytes != 0 {
        env.adjust_external_memory(-bytes)?;
    }
    Ok(())
}

#[napi(catch_unwind)]
pub fn backward(
    tensor: &Tensor,
    gradient: Option<&Tensor>,
    retain_graph: Option<bool>,
) -> Result<()> {
    let gradient = gradient.map(|g| g.get()).transpose()?;
    torchts_core::autograd::backward(tensor.get()?, gradient, retain_graph.unwrap_or(false))
        .or_throw()
}

/// A Python number: float for floating dtypes, integer otherwise.
#[napi(catch_unwind)]
pub fn item(tensor: &Tensor) -> Result<f64> {
    let t = tensor.get()?;
    if t.numel() != 1 {
        return Err(invalid(format!(
            "a Tensor with {} elements cannot be converted to Scalar",
            t.numel()
        )));
    }
    if t.is_floating_point() {
        t.f_double_value(&[]).or_throw()
    } else {
        Ok(t.f_reshape([1])
            .or_throw()?
            .f_int64_value(&[0])
            .or_throw()? as f64)
    }
}

/// The elements as raw bytes (row-major, on the CPU); the TS layer views
/// them as the matching typed array.
#[napi(catch_unwind)]
pub fn data(tensor: &Tensor) -> Result<Buffer> {
    let t = tensor.get()?;
    let t = if t.device() == Device::Cpu {
        t.f_contiguous()
    } else {
        t.f_to_device(Device::Cpu)
    }
    .or_throw()?;
    let t = t.f_contiguous().or_throw()?;
    let numel = t.numel();
    let mut bytes = vec![0u8; numel * t.kind().elt_size_in_bytes()];
    t.f_copy_data_u8(&mut bytes, numel).or_throw()?;
    Ok(bytes.into())
}

#[napi(catch_unwind)]
pub fn to(
    tensor: &Tensor,
    dtype: Option<String>,
    device: Option<String>,
    copy: Option<bool>,
) -> Result<Tensor> {
    let t = tensor.get()?;
    let kind = kind_arg(dtype, t.kind())?;
    let device = match device {
        Some(_) => device_arg(device)?,
        None => t.device(),
    };
    let out = if copy.unwrap_or(false) || kind != t.kind() || device != t.device() {
        t.f_to_dtype_layout((kind, device), false, copy.unwrap_or(false))
            .or_throw()?
    } else {
        t.shallow_clone()
    };
    Ok(Tensor::new(out))
}

/// A copy with its own storage. (tch's `f_clone(out)` is `clone_out`,
/// which writes into `out` and refuses autograd; libtorch's C API has no
/// plain clone, so this is `to(copy=True)`: the same values, strides and
/// gradients, recorded as `ToCopyBackward0` where PyTorch says `CloneBackward0`.)
#[napi(catch_unwind)]
pub fn clone(tensor: &Tensor) -> Result<Tensor> {
    let t = tensor.get()?;
    Ok(Tensor::new(
        t.f_to_dtype_layout((t.kind(), t.device()), false, true)
            .or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn matmul(tensor: &Tensor, other: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_matmul(other.get()?).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn mm(tensor: &Tensor, other: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(tensor.get()?.f_mm(other.get()?).or_throw()?))
}

#[napi(catch_unwind)]
pub fn maximum(tensor: &Tensor, other: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_maximum(other.get()?).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn minimum(tensor: &Tensor, other: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_minimum(other.get()?).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn logical_and(tensor: &Tensor, other: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_logical_and(other.get()?).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn logical_or(tensor: &Tensor, other: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_logical_or(other.get()?).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn clamp(tensor: &Tensor, min: Option<f64>, max: Option<f64>) -> Result<Tensor> {
    let t = tensor.get()?;
    let out = match (min, max) {
        (Some(lo), Some(hi)) => scalar::with_scalars(&[lo, hi], |s, out| unsafe {
            scalar::c::atg_clamp(out, scalar::ptr(t), s[0], s[1])
        })
        .or_throw()?,
        (Some(lo), None) => scalar_op(t, lo, scalar::c::atg_clamp_min)?,
        (None, Some(hi)) => scalar_op(t, hi, scalar::c::atg_clamp_max)?,
        (None, None) => {
            return Err(invalid(
                "torch.clamp: At least one of 'min' or 'max' must not be None",
            ))
        }
    };
    Ok(Tensor::new(out))
}

#[napi(js_name = "where", catch_unwind)]
pub fn where_(tensor: &Tensor, condition: &Tensor, other: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor
            .get()?
            .f_where_self(condition.get()?, other.get()?)
            .or_throw()?,
    ))
}

// ---- reductions -------------------------------------------------------

/// Without a dtype libtorch picks PyTorch's (int64 for integer and bool sums).
#[napi(catch_unwind)]
pub fn sum(
    tensor: &Tensor,
    dims: Option<Vec<i64>>,
    keepdim: Option<bool>,
    dtype: Option<String>,
) -> Result<Tensor> {
    let t = tensor.get()?;
    let kind = optional_kind(dtype)?;
    let out = match dims {
        None => t.f_sum(kind),
        Some(d) => t.f_sum_dim_intlist(d.as_slice(), keepdim.unwrap_or(false), kind),
    };
    Ok(Tensor::new(out.or_throw()?))
}

#[napi(catch_unwind)]
pub fn mean(
    tensor: &Tensor,
    dims: Option<Vec<i64>>,
    keepdim: Option<bool>,
    dtype: Option<String>,
) -> Result<Tensor> {
    let t = tensor.get()?;
    let kind = optional_kind(dtype)?;
    let out = match dims {
        None => t.f_mean(kind),
        Some(d) => t.f_mean_dim(d.as_slice(), keepdim.unwrap_or(false), kind),
    };
    Ok(Tensor::new(out.or_throw()?))
}

/// max() over all elements.
#[napi(catch_unwind)]
pub fn max_all(tensor: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(tensor.get()?.f_max().or_throw()?))
}

#[napi(catch_unwind)]
pub fn min_all(tensor: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(tensor.get()?.f_min().or_throw()?))
}

/// max(dim) -> [values, indices], like Python's namedtuple.
#[napi(catch_unwind)]
pub fn max_dim(tensor: &Tensor, dim: i64, keepdim: Option<bool>) -> Result<Vec<Tensor>> {
    let (v, i) = tensor
        .get()?
        .f_max_dim(dim, keepdim.unwrap_or(false))
        .or_throw()?;
    Ok(vec![Tensor::new(v), Tensor::new(i)])
}

#[napi(catch_unwind)]
pub fn min_dim(tensor: &Tensor, dim: i64, keepdim: Option<bool>) -> Result<Vec<Tensor>> {
    let (v, i) = tensor
        .get()?
        .f_min_dim(dim, keepdim.unwrap_or(false))
        .or_throw()?;
    Ok(vec![Tensor::new(v), Tensor::new(i)])
}

#[napi(catch_unwind)]
pub fn argmax(tensor: &Tensor, dim: Option<i64>, keepdim: Option<bool>) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor
            .get()?
            .f_argmax(dim, keepdim.unwrap_or(false))
            .or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn argmin(tensor: &Tensor, dim: Option<i64>, keepdim: Option<bool>) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor
            .get()?
            .f_argmin(dim, keepdim.unwrap_or(false))
            .or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn all(tensor: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(tensor.get()?.f_all().or_throw()?))
}

#[napi(catch_unwind)]
pub fn any(tensor: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(tensor.get()?.f_any().or_throw()?))
}

#[napi(catch_unwind)]
pub fn softmax(tensor: &Tensor, dim: i64, dtype: Option<String>) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor
            .get()?
            .f_softmax(dim, optional_kind(dtype)?)
            .or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn log_softmax(tensor: &Tensor, dim: i64, dtype: Option<String>) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor
            .get()?
            .f_log_softmax(dim, optional_kind(dtype)?)
            .or_throw()?,
    ))
}

// ---- shape and indexing ----------------------------------------------

#[napi(catch_unwind)]
pub fn reshape(tensor: &Tensor, shape: Vec<i64>) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_reshape(shape.as_slice()).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn view(tensor: &Tensor, shape: Vec<i64>) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_view(shape.as_slice()).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn expand(tensor: &Tensor, shape: Vec<i64>) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_expand(shape.as_slice(), false).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn flatten(tensor: &Tensor, start_dim: Option<i64>, end_dim: Option<i64>) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor
            .get()?
            .f_flatten(start_dim.unwrap_or(0), end_dim.unwrap_or(-1))
            .or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn squeeze(tensor: &Tensor, dim: Option<i64>) -> Result<Tensor> {
    let t = tensor.get()?;
    let out = match dim {
        Some(d) => t.f_squeeze_dim(d),
        None => t.f_squeeze(),
    };
    Ok(Tensor::new(out.or_throw()?))
}

#[napi(catch_unwind)]
pub fn unsqueeze(tensor: &Tensor, dim: i64) -> Result<Tensor> {
    Ok(Tensor::new(tensor.get()?.f_unsqueeze(dim).or_throw()?))
}

#[napi(catch_unwind)]
pub fn transpose(tensor: &Tensor, dim0: i64, dim1: i64) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_transpose(dim0, dim1).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn permute(tensor: &Tensor, dims: Vec<i64>) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_permute(dims.as_slice()).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn select(tensor: &Tensor, dim: i64, index: i64) -> Result<Tensor> {
    Ok(Tensor::new(tensor.get()?.f_select(dim, index).or_throw()?))
}

/// Python's `t[start:end:step]` along `dim` (None ends mean the edges).
#[napi(catch_unwind)]
pub fn slice(
    tensor: &Tensor,
    dim: i64,
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
) -> Result<Tensor> {
    let step = step.unwrap_or(1);
    if step <= 0 {
        return Err(invalid("slice step must be positive"));
    }
    Ok(Tensor::new(
        tensor.get()?.f_slice(dim, start, end, step).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn narrow(tensor: &Tensor, dim: i64, start: i64, length: i64) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_narrow(dim, start, length).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn index_select(tensor: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_index_select(dim, index.get()?).or_throw()?,
    ))
}

/// `t[index]` with a bool mask or an integer index tensor on dim 0.
#[napi(catch_unwind)]
pub fn masked_select(tensor: &Tensor, mask: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor.get()?.f_masked_select(mask.get()?).or_throw()?,
    ))
}

#[napi(catch_unwind)]
pub fn masked_fill(tensor: &Tensor, mask: &Tensor, value: f64) -> Result<Tensor> {
    let (t, mask) = (tensor.get()?, mask.get()?);
    let out = scalar::with_scalars(&[value], |s, out| unsafe {
        scalar::c::atg_masked_fill(out, scalar::ptr(t), scalar::ptr(mask), s[0])
    });
    Ok(Tensor::new(out.or_throw()?))
}

#[napi(catch_unwind)]
pub fn gather(tensor: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    Ok(Tensor::new(
        tensor
            .get()?
            .f_gather(dim, index.get()?, false)
            .or_throw()?,
    ))
}

// ---- in place ---------------------------------------------------------

#[napi(js_name = "zero_", catch_unwind)]
pub fn zero_(tensor: &Tensor) -> Result<()> {
    let _ = tensor.get_for_write()?.f_zero_().or_throw()?;
    Ok(())
}

#[napi(js_name = "fill_", catch_unwind)]
pub fn fill_(tensor: &Tensor, value: f64) -> Result<()> {
    scalar_op(&tensor.get_for_write()?, value, scalar::c::atg_fill_).map(drop)
}

#[napi(js_name = "copy_", catch_unwind)]
pub fn copy_(tensor: &Tensor, src: &Tensor) -> Result<()> {
    let src = src.get()?.shallow_clone();
    tensor.get_for_write()?.f_copy_(&src).or_throw()?;
    Ok(())
}

#[napi(js_name = "add_", catch_unwind)]
pub fn add_(tensor: &Tensor, other: &Tensor) -> Result<()> {
    let other = other.get()?.shallow_clone();
    let _ = tensor.get_for_write()?.f_add_(&other).or_throw()?;
    Ok(())
}

#[napi(js_name = "mulScalar_", catch_unwind)]
pub fn mul_scalar_(tensor: &Tensor, value: f64) -> Result<()> {
    scalar_op(&tensor.get_for_write()?, value, scalar::c::atg_mul_scalar_).map(drop)
}

#[napi(js_name = "uniform_", catch_unwind)]
pub fn uniform_(tensor: &Tensor, from: f64, to: f64) -> Result<()> {
    let _guard = tch::no_grad_guard();
    let _ = tensor.get_for_write()?.f_uniform_(from, to).or_throw()?;
    Ok(())
}

#[napi(js_name = "normal_", catch_unwind)]
pub fn normal_(tensor: &Tensor, mean: f64, std: f64) -> Result<()> {
    let _guard = tch::no_grad_guard();
    let _ = tensor.get_for_write()?.f_normal_(mean, std).or_throw()?;
    Ok(())
}

/// How a background task holds this tensor's memory: "fitAsync"
/// (exclusively), "forwardAsync" (read-only), or null.
#[napi(catch_unwind)]
pub fn held_by(tensor: &Tensor) -> Option<&'static str> {
    tensor.inner().and_then(hold::held).map(Hold::task)
}

/// Whether any background task holds memory (a cheap test before walking a
/// module's parameters).
#[napi]
pub fn any_held() -> bool {
    hold::any_held()
}

#[napi(catch_unwind)]
pub fn is_leaf(tensor: &Tensor) -> Result<bool> {
    Ok(tensor.get()?.is_leaf())
}

/// The name of the autograd node that made this tensor (`MulBackward0`), or null for leaves.
#[napi(catch_unwind)]
pub fn grad_fn_name(tensor: &Tensor) -> Result<Option<String>> {
    torchts_core::autograd::grad_fn_name(tensor.get()?).or_throw()
}

#[napi(catch_unwind)]
pub fn equal(tensor: &Tensor, other: &Tensor) -> Result<bool> {
    tensor.get()?.f_equal(other.get()?).or_throw()
}

#[napi(catch_unwind)]
pub fn allclose(
    tensor: &Tensor,
    other: &Tensor,
    rtol: Option<f64>,
    atol: Option<f64>,
    equal_nan: Option<bool>,
) -> Result<bool> {
    tensor
        .get()?
        .f_allclose(
            other.get()?,
            rtol.unwrap_or(1e-5),
            atol.unwrap_or(1e-8),
            equal_nan.unwrap_or(false),
        )
        .or_throw()
}
