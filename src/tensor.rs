//! The `Tensor` class: one native handle per JS tensor. Methods convert
//! arguments and call tch; shapes, dtypes and names follow PyTorch.
use crate::error::{invalid, OrThrow};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void, CStr};
use tch::{Device, Kind, TchError, Tensor as TchTensor};
use torchts_core::kind::{device_name, kind_name, parse_device, parse_kind};

#[napi(custom_finalize)]
pub struct Tensor {
    inner: Option<TchTensor>,
    /// Bytes reported to V8 as external memory (0 once disposed).
    external_bytes: i64,
    /// Set while a background task owns this tensor (fitAsync).
    busy: Cell<u32>,
    /// Background reads in flight (forwardAsync): reading stays allowed,
    /// changing it in place or disposing it does not.
    readers: Cell<u32>,
}

impl ObjectFinalize for Tensor {
    fn finalize(self, env: Env) -> Result<()> {
        if self.external_bytes != 0 {
            env.adjust_external_memory(-self.external_bytes)?;
        }
        Ok(())
    }
}

/// Host bytes to report to V8: the span of storage a tensor addresses (a
/// broadcast view of one element spans one element, not its logical size,
/// which can pass V8's limit and abort it). Device memory is left out: V8
/// sizes its heap by host memory, and counting GPU activations made it
/// collect after nearly every CUDA op (W2 inference on an H100 ran 100x
/// slower than PyTorch).
fn byte_size(t: &TchTensor) -> i64 {
    const MAX_REPORTED: u64 = 1 << 40;
    if t.device() != Device::Cpu || t.numel() == 0 {
        return 0;
    }
    let elt = t.f_kind().map(|k| k.elt_size_in_bytes() as u64).unwrap_or(0);
    let span = extent_elements(t).and_then(|elements| elements.checked_mul(elt)).unwrap_or(MAX_REPORTED);
    span.min(MAX_REPORTED) as i64
}

/// Elements from a tensor's first to one past its last, following its
/// strides (a broadcast view of one element spans one); None on overflow.
fn extent_elements(t: &TchTensor) -> Option<u64> {
    t.size()
        .iter()
        .zip(t.stride())
        .try_fold(1u64, |acc, (&size, stride)| acc.checked_add((size.max(1) as u64 - 1).checked_mul(stride.unsigned_abs())?))
}

/// libtorch's C API for the ops that take Scalars, called directly: tch frees
/// its temporary `Scalar` before it reads libtorch's error, and that free
/// panics (aborting Node) whenever the op failed, e.g. `int_tensor.pow(-1)`.
pub mod raw {
    use super::*;

    pub type RawTensor = *mut c_void;
    pub type RawScalar = *mut c_void;

    extern "C" {
        fn ats_int(v: i64) -> RawScalar;
        fn ats_float(v: f64) -> RawScalar;
        fn ats_free(s: RawScalar);
        fn get_and_reset_last_err() -> *mut c_char;
        fn free(p: *mut c_void);
        pub fn atg_pow_tensor_scalar(out: *mut RawTensor, t: RawTensor, s: RawScalar);
        pub fn atg_remainder(out: *mut RawTensor, t: RawTensor, s: RawScalar);
        pub fn atg_eq(out: *mut RawTensor, t: RawTensor, s: RawScalar);
        pub fn atg_ne(out: *mut RawTensor, t: RawTensor, s: RawScalar);
        pub fn atg_gt(out: *mut RawTensor, t: RawTensor, s: RawScalar);
        pub fn atg_lt(out: *mut RawTensor, t: RawTensor, s: RawScalar);
        pub fn atg_ge(out: *mut RawTensor, t: RawTensor, s: RawScalar);
        pub fn atg_le(out: *mut RawTensor, t: RawTensor, s: RawScalar);
        pub fn atg_clamp(out: *mut RawTensor, t: RawTensor, min: RawScalar, max: RawScalar);
        pub fn atg_clamp_min(out: *mut RawTensor, t: RawTensor, min: RawScalar);
        pub fn atg_clamp_max(out: *mut RawTensor, t: RawTensor, max: RawScalar);
        pub fn atg_masked_fill(out: *mut RawTensor, t: RawTensor, mask: RawTensor, value: RawScalar);
        pub fn atg_fill_(out: *mut RawTensor, t: RawTensor, value: RawScalar);
        pub fn atg_mul_scalar_(out: *mut RawTensor, t: RawTensor, s: RawScalar);
        pub fn atg_full(out: *mut RawTensor, size: *const i64, size_len: c_int, value: RawScalar, kind: c_int, device: c_int);
        pub fn atg_scalar_tensor(out: *mut RawTensor, s: RawScalar, kind: c_int, device: c_int);
        pub fn atg_linspace(out: *mut RawTensor, start: RawScalar, end: RawScalar, steps: i64, kind: c_int, device: c_int);
        pub fn atg_arange_start_step(out: *mut RawTensor, start: RawScalar, end: RawScalar, step: RawScalar, kind: c_int, device: c_int);
    }

    pub fn tensor(t: &TchTensor) -> RawTensor {
        t.as_ptr().cast_mut().cast()
    }

    /// Whether a JS number stands for a Python int literal: JS cannot tell
    /// 2 from 2.0, so integral values are ints (int tensors keep their dtype
    /// in `x + 2`); -0 stays a float, as only a float can be -0.
    pub fn is_int_literal(value: f64) -> bool {
        value.fract() == 0.0 && value.abs() < 9.2e18 && !(value == 0.0 && value.is_sign_negative())
    }

    fn new_scalar(value: f64) -> RawScalar {
        unsafe { if is_int_literal(value) { ats_int(value as i64) } else { ats_float(value) } }
    }

    /// Runs `call` with `values` as libtorch Scalars and takes its one output,
    /// reading libtorch's error before anything is freed.
    pub fn with_scalars(values: &[f64], call: impl FnOnce(&[RawScalar], *mut RawTensor)) -> std::result::Result<TchTensor, TchError> {
        let scalars: Vec<RawScalar> = values.iter().map(|&v| new_scalar(v)).collect();
        let mut out: RawTensor = std::ptr::null_mut();
        call(&scalars, &mut out);
        let err = unsafe { get_and_reset_last_err() };
        for s in scalars {
            unsafe { ats_free(s) };
        }
        if !err.is_null() {
            let text = unsafe { CStr::from_ptr(err) }.to_string_lossy().into_owned();
            unsafe { free(err.cast()) };
            return Err(TchError::Torch(text));
        }
        Ok(unsafe { TchTensor::from_ptr(out.cast()) })
    }

    /// c10::ScalarType codes (tch keeps its table private).
    pub fn kind_code(kind: Kind) -> c_int {
        match kind {
            Kind::Uint8 => 0,
            Kind::Int8 => 1,
            Kind::Int16 => 2,
            Kind::Int => 3,
            Kind::Int64 => 4,
            Kind::Half => 5,
            Kind::Float => 6,
            Kind::Double => 7,
            Kind::ComplexFloat => 9,
            Kind::ComplexDouble => 10,
            Kind::Bool => 11,
            Kind::BFloat16 => 15,
            other => panic!("no ScalarType code for {other:?}"),
        }
    }

    /// tch's device codes: -1 cpu, -2 mps, n cuda:n.
    pub fn device_code(device: Device) -> c_int {
        match device {
            Device::Cpu => -1,
            Device::Mps => -2,
            Device::Vulkan => -3,
            Device::Cuda(i) => i as c_int,
        }
    }

    /// The class name of the autograd node that made `t` (PyTorch's
    /// `type(t.grad_fn).__name__`), or None for leaves. libtorch has no C entry
    /// point for it, so this reads the node's C++ type name: under the Itanium
    /// ABI (Linux, macOS) the vtable slot before the first virtual function
    /// holds the typeinfo, whose second word is the mangled class name.
    #[cfg(not(target_env = "msvc"))]
    pub fn grad_fn_name(t: &TchTensor) -> Option<String> {
        extern "C" {
            /// torch::autograd::impl::grad_fn_unsafe(const at::Tensor&) -> Node*
            #[link_name = "_ZN5torch8autograd4impl14grad_fn_unsafeERKN2at6TensorE"]
            fn grad_fn_unsafe(t: *const c_void) -> *const c_void;
        }
        let node = unsafe { grad_fn_unsafe(t.as_ptr().cast()) };
        if node.is_null() {
            return None;
        }
        let mangled = unsafe {
            let vtable = *(node as *const *const *const c_void);
            let typeinfo = *vtable.offset(-1) as *const *const c_char;
            CStr::from_ptr(*typeinfo.add(1))
        };
        Some(last_mangled_name(&mangled.to_string_lossy()).unwrap_or("unknown").to_string())
    }

    #[cfg(target_env = "msvc")]
    pub fn grad_fn_name(t: &TchTensor) -> Option<String> {
        if t.is_leaf() { None } else { Some("unknown".into()) }
    }

    /// "N5torch8autograd9generated12MulBackward0E" -> "MulBackward0".
    pub fn last_mangled_name(mangled: &str) -> Option<&str> {
        let mut rest = mangled.strip_prefix('N').unwrap_or(mangled);
        let mut last = None;
        while let Some(digits) = rest.find(|c: char| !c.is_ascii_digit()).filter(|&n| n > 0) {
            let len: usize = rest[..digits].parse().ok()?;
            last = Some(rest.get(digits..digits + len)?);
            rest = &rest[digits + len..];
        }
        last
    }
}

/// `op(t, scalar)` through the raw C API (see `raw`).
fn scalar_op(t: &TchTensor, value: f64, op: unsafe extern "C" fn(*mut raw::RawTensor, raw::RawTensor, raw::RawScalar)) -> Result<TchTensor> {
    raw::with_scalars(&[value], |s, out| unsafe { op(out, raw::tensor(t), s[0]) }).or_throw()
}

pub fn kind_arg(dtype: Option<String>, default: Kind) -> Result<Kind> {
    Ok(optional_kind(dtype)?.unwrap_or(default))
}

pub fn optional_kind(dtype: Option<String>) -> Result<Option<Kind>> {
    dtype.map(|d| parse_kind(&d).or_throw()).transpose()
}

pub fn device_arg(device: Option<String>) -> Result<Device> {
    let device = device.map(|d| parse_device(&d).or_throw()).unwrap_or(Ok(Device::Cpu))?;
    crate::runtime::check_device(device)?;
    Ok(device)
}

fn dims(values: &[i64]) -> Result<Vec<i64>> {
    if let Some(bad) = values.iter().find(|&&d| d < 0) {
        return Err(invalid(format!("Trying to create tensor with negative dimension {bad}: {values:?}")));
    }
    Ok(values.to_vec())
}

impl Tensor {
    pub fn wrap(env: &Env, t: TchTensor) -> Result<Tensor> {
        let bytes = byte_size(&t);
        if bytes != 0 {
            env.adjust_external_memory(bytes)?;
        }
        Ok(Tensor { inner: Some(t), external_bytes: bytes, busy: Cell::new(0), readers: Cell::new(0) })
    }

    /// The live tch tensor, or a clear error after dispose() or while busy
    /// (this handle, or memory it shares with one, is owned by a background task).
    pub fn get(&self) -> Result<&TchTensor> {
        if self.busy.get() != 0 {
            return Err(invalid("tensor is busy: a background task (fitAsync) is using it; await it or abort it first"));
        }
        let t = self.inner.as_ref().ok_or_else(|| invalid("tensor has been disposed"))?;
        if held_by_background(t, false) == Some(Hold::Exclusive) {
            return Err(invalid("tensor is busy: it shares memory with a tensor a background task (fitAsync) is using; await it or abort it first"));
        }
        Ok(t)
    }

    fn check_no_readers(&self, action: &str) -> Result<()> {
        let shared = self.inner.as_ref().and_then(|t| held_by_background(t, true)).is_some();
        if self.readers.get() != 0 || shared {
            return Err(invalid(format!("tensor is being read by a background task (forwardAsync); await it before you {action}")));
        }
        Ok(())
    }

    pub fn mark_busy(&self, on: bool) {
        let n = self.busy.get();
        self.busy.set(if on { n + 1 } else { n.saturating_sub(1) });
        self.hold(Hold::Exclusive, on);
    }

    /// Registers (or releases) this tensor's memory as held by a background task.
    fn hold(&self, kind: Hold, on: bool) {
        let Some(span) = self.inner.as_ref().and_then(memory_span) else { return };
        let owner = self as *const Tensor as usize;
        HELD.with(|held| {
            let mut held = held.borrow_mut();
            if on {
                held.push(HeldSpan { owner, span, kind });
            } else if let Some(i) = held.iter().position(|h| h.owner == owner && h.kind == kind) {
                held.swap_remove(i);
            }
        });
    }

    fn get_mut(&mut self) -> Result<&mut TchTensor> {
        self.get()?;
        self.check_no_readers("change it in place")?;
        Ok(self.inner.as_mut().unwrap())
    }
}

/// How a background task holds memory: fitAsync writes it, forwardAsync reads it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hold {
    Exclusive,
    Shared,
}

struct HeldSpan {
    owner: usize,
    span: (usize, usize),
    kind: Hold,
}

thread_local! {
    /// Memory that background tasks started from this JS thread hold, so that
    /// an alias made before the task (a view, a detach(), a stateDict() entry)
    /// is refused like the handle the task was given. Empty almost always, so
    /// the check costs one thread-local read per op.
    static HELD: std::cell::RefCell<Vec<HeldSpan>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The bytes a tensor addresses, [data_ptr, data_ptr + span), on its device.
fn memory_span(t: &TchTensor) -> Option<(usize, usize)> {
    if !t.defined() || t.numel() == 0 {
        return None;
    }
    let elt = t.f_kind().map(|k| k.elt_size_in_bytes() as u64).unwrap_or(1);
    let bytes = extent_elements(t).and_then(|elements| elements.checked_mul(elt)).unwrap_or(u64::MAX);
    let start = t.data_ptr() as usize;
    Some((start, start.saturating_add(usize::try_from(bytes).unwrap_or(usize::MAX))))
}

/// Whether `t` overlaps memory a background task holds: any hold when
/// `writing`, only fitAsync's exclusive holds when reading.
fn held_by_background(t: &TchTensor, writing: bool) -> Option<Hold> {
    HELD.with(|held| {
        let held = held.borrow();
        if held.is_empty() {
            return None;
        }
        let (start, end) = memory_span(t)?;
        held.iter()
            .filter(|h| writing || h.kind == Hold::Exclusive)
            .find(|h| h.span.0 < end && start < h.span.1)
            .map(|h| h.kind)
    })
}

/// `fn name(&self) -> Tensor` for ops without arguments.
macro_rules! unary_ops {
    ($($js:literal $name:ident => $op:ident),* $(,)?) => {
        #[napi]
        impl Tensor {
            $(
                #[napi(js_name = $js, catch_unwind)]
                pub fn $name(&self, env: Env) -> Result<Tensor> {
                    Tensor::wrap(&env, self.get()?.$op().or_throw()?)
                }
            )*
        }
    };
}

/// Tensor-tensor ops with broadcasting.
macro_rules! binary_ops {
    ($($name:ident => $op:ident),* $(,)?) => {
        #[napi]
        impl Tensor {
            $(
                #[napi(catch_unwind)]
                pub fn $name(&self, env: Env, other: &Tensor) -> Result<Tensor> {
                    Tensor::wrap(&env, self.get()?.$op(other.get()?).or_throw()?)
                }
            )*
        }
    };
}

/// Ops with a Python number that Python sends to the Scalar overload.
macro_rules! scalar_ops {
    ($($name:ident => $atg:ident),* $(,)?) => {
        #[napi]
        impl Tensor {
            $(
                #[napi(catch_unwind)]
                pub fn $name(&self, env: Env, other: f64) -> Result<Tensor> {
                    Tensor::wrap(&env, scalar_op(self.get()?, other, raw::$atg)?)
                }
            )*
        }
    };
}

/// `x + 2` and the like: Python wraps the number in a 0-dim tensor and calls
/// the Tensor overload, so that is what autograd records (`AddBackward0`).
macro_rules! number_ops {
    ($($name:ident => $op:ident),* $(,)?) => {
        #[napi]
        impl Tensor {
            $(
                #[napi(catch_unwind)]
                pub fn $name(&self, env: Env, other: f64) -> Result<Tensor> {
                    let t = self.get()?;
                    Tensor::wrap(&env, t.$op(&number_tensor(t, other)?).or_throw()?)
                }
            )*
        }
    };
}

/// The 0-dim tensor that stands for a JS number beside `t`, with a dtype that
/// promotes as Python's wrapped numbers do: beside a tensor of a lower
/// category (a float number, an int tensor) it takes the default dtype,
/// otherwise `t`'s dtype wins. Made as int64/float64 and then cast, so
/// out-of-range values wrap as in Python rather than failing.
fn number_tensor(t: &TchTensor, value: f64) -> Result<TchTensor> {
    let kind = t.kind();
    let int_literal = raw::is_int_literal(value);
    let int_tensor = !t.is_floating_point() && !matches!(kind, Kind::Bool | Kind::ComplexFloat | Kind::ComplexDouble);
    let natural = if int_literal { Kind::Int64 } else { Kind::Double };
    let target = if t.dim() == 0 && (t.is_floating_point() || int_literal && int_tensor) {
        kind // two 0-dim operands promote together: the number must not widen t
    } else if !int_literal && !t.is_floating_point() {
        Kind::Float
    } else {
        natural // a dimensioned t wins within its category, and the op sees the exact value
    };
    let number = raw::with_scalars(&[value], |s, out| unsafe {
        raw::atg_scalar_tensor(out, s[0], raw::kind_code(natural), raw::device_code(Device::Cpu))
    })
    .or_throw()?;
    if target == natural { Ok(number) } else { number.f_to_kind(target).or_throw() }
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

#[napi]
impl Tensor {
    /// Copies `bytes` (the raw contents of a typed array) into a new tensor.
    #[napi(factory, catch_unwind)]
    pub fn from_bytes(env: Env, bytes: Uint8Array, shape: Vec<i64>, source_dtype: String, dtype: Option<String>, device: Option<String>) -> Result<Tensor> {
        let source = parse_kind(&source_dtype).or_throw()?;
        let shape = dims(&shape)?;
        let numel: i64 = shape.iter().product();
        if numel as usize * source.elt_size_in_bytes() != bytes.len() {
            return Err(invalid(format!("{} bytes of {} data do not fill shape {:?}", bytes.len(), source_dtype, shape)));
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
        Tensor::wrap(&env, t)
    }

    #[napi(getter, catch_unwind)]
    pub fn shape(&self) -> Result<Vec<i64>> {
        Ok(self.get()?.size())
    }

    #[napi(getter, catch_unwind)]
    pub fn dtype(&self) -> Result<&'static str> {
        Ok(kind_name(self.get()?.f_kind().or_throw()?))
    }

    #[napi(getter, catch_unwind)]
    pub fn device(&self) -> Result<String> {
        Ok(device_name(self.get()?.device()))
    }

    #[napi(getter, catch_unwind)]
    pub fn numel(&self) -> Result<i64> {
        Ok(self.get()?.numel() as i64)
    }

    #[napi(getter, catch_unwind)]
    pub fn dim(&self) -> Result<u32> {
        Ok(self.get()?.dim() as u32)
    }

    #[napi(getter, catch_unwind)]
    pub fn is_disposed(&self) -> bool {
        self.inner.is_none()
    }

    #[napi(getter, catch_unwind)]
    pub fn requires_grad(&self) -> Result<bool> {
        Ok(self.get()?.requires_grad())
    }

    #[napi(setter, js_name = "requiresGrad", catch_unwind)]
    pub fn set_requires_grad(&mut self, value: bool) -> Result<()> {
        let t = self.get_mut()?;
        if value && !t.is_floating_point() {
            return Err(invalid("only Tensors of floating point dtype can require gradients"));
        }
        *t = t.set_requires_grad(value);
        Ok(())
    }

    /// The accumulated gradient, or null before any backward().
    #[napi(getter, catch_unwind)]
    pub fn grad(&self, env: Env) -> Result<Option<Tensor>> {
        let g = self.get()?.grad();
        if g.defined() { Ok(Some(Tensor::wrap(&env, g)?)) } else { Ok(None) }
    }

    /// Zeroes the gradient in place (set_to_none is tracked by the TS layer).
    #[napi(catch_unwind)]
    pub fn zero_grad(&mut self) -> Result<()> {
        self.get_mut()?.zero_grad();
        Ok(())
    }

    /// Frees the native memory now; later use throws.
    #[napi(catch_unwind)]
    pub fn dispose(&mut self, env: Env) -> Result<()> {
        if self.busy.get() != 0 {
            return Err(invalid("cannot dispose a tensor that a background task (fitAsync) is using"));
        }
        self.check_no_readers("dispose it")?;
        if self.inner.take().is_some() && self.external_bytes != 0 {
            env.adjust_external_memory(-self.external_bytes)?;
            self.external_bytes = 0;
        }
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn backward(&self, gradient: Option<&Tensor>, retain_graph: Option<bool>) -> Result<()> {
        let gradient = gradient.map(|g| g.get()).transpose()?;
        torchts_core::autograd::backward(self.get()?, gradient, retain_graph.unwrap_or(false)).or_throw()
    }

    /// A Python number: float for floating dtypes, integer otherwise.
    #[napi(catch_unwind)]
    pub fn item(&self) -> Result<f64> {
        let t = self.get()?;
        if t.numel() != 1 {
            return Err(invalid(format!("a Tensor with {} elements cannot be converted to Scalar", t.numel())));
        }
        if t.is_floating_point() {
            t.f_double_value(&[]).or_throw()
        } else {
            Ok(t.f_reshape([1]).or_throw()?.f_int64_value(&[0]).or_throw()? as f64)
        }
    }

    /// The elements as raw bytes (row-major, on the CPU); the TS layer views
    /// them as the matching typed array.
    #[napi(catch_unwind)]
    pub fn data(&self) -> Result<Buffer> {
        let t = self.get()?;
        let t = if t.device() == Device::Cpu { t.f_contiguous() } else { t.f_to_device(Device::Cpu) }.or_throw()?;
        let t = t.f_contiguous().or_throw()?;
        let numel = t.numel();
        let mut bytes = vec![0u8; numel * t.kind().elt_size_in_bytes()];
        t.f_copy_data_u8(&mut bytes, numel).or_throw()?;
        Ok(bytes.into())
    }

    #[napi(catch_unwind)]
    pub fn to(&self, env: Env, dtype: Option<String>, device: Option<String>, copy: Option<bool>) -> Result<Tensor> {
        let t = self.get()?;
        let kind = kind_arg(dtype, t.kind())?;
        let device = match device {
            Some(_) => device_arg(device)?,
            None => t.device(),
        };
        let out = if copy.unwrap_or(false) || kind != t.kind() || device != t.device() {
            t.f_to_dtype_layout((kind, device), false, copy.unwrap_or(false)).or_throw()?
        } else {
            t.shallow_clone()
        };
        Tensor::wrap(&env, out)
    }

    /// A copy with its own storage. (tch's `f_clone(out)` is `clone_out`,
    /// which writes into `out` and refuses autograd; libtorch's C API has no
    /// plain clone, so this is `to(copy=True)`: the same values, strides and
    /// gradients, recorded as `ToCopyBackward0` where PyTorch says `CloneBackward0`.)
    #[napi(catch_unwind)]
    pub fn clone(&self, env: Env) -> Result<Tensor> {
        let t = self.get()?;
        Tensor::wrap(&env, t.f_to_dtype_layout((t.kind(), t.device()), false, true).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn matmul(&self, env: Env, other: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_matmul(other.get()?).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn mm(&self, env: Env, other: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_mm(other.get()?).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn maximum(&self, env: Env, other: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_maximum(other.get()?).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn minimum(&self, env: Env, other: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_minimum(other.get()?).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn logical_and(&self, env: Env, other: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_logical_and(other.get()?).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn logical_or(&self, env: Env, other: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_logical_or(other.get()?).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn clamp(&self, env: Env, min: Option<f64>, max: Option<f64>) -> Result<Tensor> {
        let t = self.get()?;
        let out = match (min, max) {
            (Some(lo), Some(hi)) => raw::with_scalars(&[lo, hi], |s, out| unsafe { raw::atg_clamp(out, raw::tensor(t), s[0], s[1]) }).or_throw()?,
            (Some(lo), None) => scalar_op(t, lo, raw::atg_clamp_min)?,
            (None, Some(hi)) => scalar_op(t, hi, raw::atg_clamp_max)?,
            (None, None) => return Err(invalid("torch.clamp: At least one of 'min' or 'max' must not be None")),
        };
        Tensor::wrap(&env, out)
    }

    #[napi(js_name = "where", catch_unwind)]
    pub fn where_(&self, env: Env, condition: &Tensor, other: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_where_self(condition.get()?, other.get()?).or_throw()?)
    }

    // ---- reductions -------------------------------------------------------

    /// Without a dtype libtorch picks PyTorch's (int64 for integer and bool sums).
    #[napi(catch_unwind)]
    pub fn sum(&self, env: Env, dims: Option<Vec<i64>>, keepdim: Option<bool>, dtype: Option<String>) -> Result<Tensor> {
        let t = self.get()?;
        let kind = optional_kind(dtype)?;
        let out = match dims {
            None => t.f_sum(kind),
            Some(d) => t.f_sum_dim_intlist(d.as_slice(), keepdim.unwrap_or(false), kind),
        };
        Tensor::wrap(&env, out.or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn mean(&self, env: Env, dims: Option<Vec<i64>>, keepdim: Option<bool>, dtype: Option<String>) -> Result<Tensor> {
        let t = self.get()?;
        let kind = optional_kind(dtype)?;
        let out = match dims {
            None => t.f_mean(kind),
            Some(d) => t.f_mean_dim(d.as_slice(), keepdim.unwrap_or(false), kind),
        };
        Tensor::wrap(&env, out.or_throw()?)
    }

    /// max() over all elements.
    #[napi(catch_unwind)]
    pub fn max_all(&self, env: Env) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_max().or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn min_all(&self, env: Env) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_min().or_throw()?)
    }

    /// max(dim) -> [values, indices], like Python's namedtuple.
    #[napi(catch_unwind)]
    pub fn max_dim(&self, env: Env, dim: i64, keepdim: Option<bool>) -> Result<Vec<Tensor>> {
        let (v, i) = self.get()?.f_max_dim(dim, keepdim.unwrap_or(false)).or_throw()?;
        Ok(vec![Tensor::wrap(&env, v)?, Tensor::wrap(&env, i)?])
    }

    #[napi(catch_unwind)]
    pub fn min_dim(&self, env: Env, dim: i64, keepdim: Option<bool>) -> Result<Vec<Tensor>> {
        let (v, i) = self.get()?.f_min_dim(dim, keepdim.unwrap_or(false)).or_throw()?;
        Ok(vec![Tensor::wrap(&env, v)?, Tensor::wrap(&env, i)?])
    }

    #[napi(catch_unwind)]
    pub fn argmax(&self, env: Env, dim: Option<i64>, keepdim: Option<bool>) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_argmax(dim, keepdim.unwrap_or(false)).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn argmin(&self, env: Env, dim: Option<i64>, keepdim: Option<bool>) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_argmin(dim, keepdim.unwrap_or(false)).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn all(&self, env: Env) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_all().or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn any(&self, env: Env) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_any().or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn softmax(&self, env: Env, dim: i64, dtype: Option<String>) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_softmax(dim, optional_kind(dtype)?).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn log_softmax(&self, env: Env, dim: i64, dtype: Option<String>) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_log_softmax(dim, optional_kind(dtype)?).or_throw()?)
    }

    // ---- shape and indexing ----------------------------------------------

    #[napi(catch_unwind)]
    pub fn reshape(&self, env: Env, shape: Vec<i64>) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_reshape(shape.as_slice()).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn view(&self, env: Env, shape: Vec<i64>) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_view(shape.as_slice()).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn expand(&self, env: Env, shape: Vec<i64>) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_expand(shape.as_slice(), false).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn flatten(&self, env: Env, start_dim: Option<i64>, end_dim: Option<i64>) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_flatten(start_dim.unwrap_or(0), end_dim.unwrap_or(-1)).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn squeeze(&self, env: Env, dim: Option<i64>) -> Result<Tensor> {
        let t = self.get()?;
        let out = match dim {
            Some(d) => t.f_squeeze_dim(d),
            None => t.f_squeeze(),
        };
        Tensor::wrap(&env, out.or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn unsqueeze(&self, env: Env, dim: i64) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_unsqueeze(dim).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn transpose(&self, env: Env, dim0: i64, dim1: i64) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_transpose(dim0, dim1).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn permute(&self, env: Env, dims: Vec<i64>) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_permute(dims.as_slice()).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn select(&self, env: Env, dim: i64, index: i64) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_select(dim, index).or_throw()?)
    }

    /// Python's `t[start:end:step]` along `dim` (None ends mean the edges).
    #[napi(catch_unwind)]
    pub fn slice(&self, env: Env, dim: i64, start: Option<i64>, end: Option<i64>, step: Option<i64>) -> Result<Tensor> {
        let step = step.unwrap_or(1);
        if step <= 0 {
            return Err(invalid("slice step must be positive"));
        }
        Tensor::wrap(&env, self.get()?.f_slice(dim, start, end, step).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn narrow(&self, env: Env, dim: i64, start: i64, length: i64) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_narrow(dim, start, length).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn index_select(&self, env: Env, dim: i64, index: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_index_select(dim, index.get()?).or_throw()?)
    }

    /// `t[index]` with a bool mask or an integer index tensor on dim 0.
    #[napi(catch_unwind)]
    pub fn index(&self, env: Env, index: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_index(&[Some(index.get()?)]).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn masked_select(&self, env: Env, mask: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_masked_select(mask.get()?).or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn masked_fill(&self, env: Env, mask: &Tensor, value: f64) -> Result<Tensor> {
        let (t, mask) = (self.get()?, mask.get()?);
        let out = raw::with_scalars(&[value], |s, out| unsafe { raw::atg_masked_fill(out, raw::tensor(t), raw::tensor(mask), s[0]) });
        Tensor::wrap(&env, out.or_throw()?)
    }

    #[napi(catch_unwind)]
    pub fn gather(&self, env: Env, dim: i64, index: &Tensor) -> Result<Tensor> {
        Tensor::wrap(&env, self.get()?.f_gather(dim, index.get()?, false).or_throw()?)
    }

    // ---- in place ---------------------------------------------------------

    #[napi(js_name = "zero_", catch_unwind)]
    pub fn zero_(&mut self) -> Result<()> {
        let _ = self.get_mut()?.f_zero_().or_throw()?;
        Ok(())
    }

    #[napi(js_name = "fill_", catch_unwind)]
    pub fn fill_(&mut self, value: f64) -> Result<()> {
        scalar_op(self.get_mut()?, value, raw::atg_fill_).map(drop)
    }

    #[napi(js_name = "copy_", catch_unwind)]
    pub fn copy_(&mut self, src: &Tensor) -> Result<()> {
        let src = src.get()?.shallow_clone();
        let _ = self.get_mut()?.f_copy_(&src).or_throw()?;
        Ok(())
    }

    #[napi(js_name = "add_", catch_unwind)]
    pub fn add_(&mut self, other: &Tensor) -> Result<()> {
        let other = other.get()?.shallow_clone();
        let _ = self.get_mut()?.f_add_(&other).or_throw()?;
        Ok(())
    }

    #[napi(js_name = "mulScalar_", catch_unwind)]
    pub fn mul_scalar_(&mut self, value: f64) -> Result<()> {
        scalar_op(self.get_mut()?, value, raw::atg_mul_scalar_).map(drop)
    }

    #[napi(js_name = "uniform_", catch_unwind)]
    pub fn uniform_(&mut self, from: f64, to: f64) -> Result<()> {
        let _guard = tch::no_grad_guard();
        let _ = self.get_mut()?.f_uniform_(from, to).or_throw()?;
        Ok(())
    }

    #[napi(js_name = "normal_", catch_unwind)]
    pub fn normal_(&mut self, mean: f64, std: f64) -> Result<()> {
        let _guard = tch::no_grad_guard();
        let _ = self.get_mut()?.f_normal_(mean, std).or_throw()?;
        Ok(())
    }

    /// True while a background task (fitAsync) owns this tensor; `&self`, so
    /// it answers even while napi-rs refuses the `&mut self` methods.
    #[napi(getter, catch_unwind)]
    pub fn is_busy(&self) -> bool {
        self.busy.get() != 0 || self.inner.as_ref().and_then(|t| held_by_background(t, false)) == Some(Hold::Exclusive)
    }

    /// Marks this tensor as owned by a background task (or releases it).
    #[napi(catch_unwind)]
    pub fn set_busy(&self, on: bool) {
        self.mark_busy(on);
    }

    /// True while a background forward reads this tensor.
    #[napi(getter, catch_unwind)]
    pub fn is_read_locked(&self) -> bool {
        self.readers.get() != 0 || self.inner.as_ref().and_then(|t| held_by_background(t, true)) == Some(Hold::Shared)
    }

    /// Marks this tensor as read by a background forward (or releases it).
    #[napi(catch_unwind)]
    pub fn set_read_locked(&self, on: bool) {
        let n = self.readers.get();
        self.readers.set(if on { n + 1 } else { n.saturating_sub(1) });
        self.hold(Hold::Shared, on);
    }

    #[napi(catch_unwind)]
    pub fn is_leaf(&self) -> Result<bool> {
        Ok(self.get()?.is_leaf())
    }

    /// The name of the autograd node that made this tensor (`MulBackward0`), or null for leaves.
    #[napi(catch_unwind)]
    pub fn grad_fn_name(&self) -> Result<Option<String>> {
        Ok(raw::grad_fn_name(self.get()?))
    }

    #[napi(catch_unwind)]
    pub fn equal(&self, other: &Tensor) -> Result<bool> {
        self.get()?.f_equal(other.get()?).or_throw()
    }

    #[napi(catch_unwind)]
    pub fn allclose(&self, other: &Tensor, rtol: Option<f64>, atol: Option<f64>, equal_nan: Option<bool>) -> Result<bool> {
        self.get()?
            .f_allclose(other.get()?, rtol.unwrap_or(1e-5), atol.unwrap_or(1e-8), equal_nan.unwrap_or(false))
            .or_throw()
    }
}
