//! torch.autograd's native side: custom Function nodes, graph inspection,
//! tensor hooks, `grad`/`backward` and InferenceMode guards
//! (`torchts_core::autograd`), plus the one JavaScript callback that custom
//! nodes and hooks call during backward. That callback is registered per
//! thread (each worker has its own); a node that runs on a thread without
//! one (fitAsync's pool) fails with a clear error instead of touching JS.
use crate::error::OrThrow;
use crate::tensor::{Tensor, TensorArg};
use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;
use torchts_core::autograd::{self as core, Call, FunctionCtx, InferenceModeGuard, Node};

thread_local! {
    /// This thread's dispatcher: `(kind, id, values) => results`.
    static DISPATCHER: Cell<Option<(sys::napi_env, sys::napi_ref)>> = const { Cell::new(None) };
    /// What the dispatcher threw during the current backward, rethrown as
    /// is once the engine has unwound.
    static THROWN: Cell<Option<sys::napi_ref>> = const { Cell::new(None) };
}

/// `(kind, id, values) => results`: kind 0 runs a custom Function's
/// backward, 1 a tensor's hooks.
type Dispatcher<'a> = Function<'a, FnArgs<(u32, f64, Vec<Option<Tensor>>)>, Unknown<'a>>;

/// Called once per thread by ts/autograd/callbacks.ts.
#[napi(catch_unwind)]
pub fn register_autograd_dispatcher(
    env: Env,
    #[napi(ts_arg_type = "(kind: number, id: number, values: (Tensor | null)[]) => unknown")]
    dispatcher: Dispatcher,
) -> Result<()> {
    let mut reference = ptr::null_mut();
    check_status!(unsafe {
        sys::napi_create_reference(env.raw(), dispatcher.raw(), 1, &mut reference)
    })?;
    DISPATCHER.with(|d| d.set(Some((env.raw(), reference))));
    core::set_handler(dispatch);
    Ok(())
}

fn message_of(env: sys::napi_env, value: sys::napi_value) -> String {
    unsafe {
        let mut message = ptr::null_mut();
        let mut text = ptr::null_mut();
        if sys::napi_get_named_property(env, value, c"message".as_ptr(), &mut message)
            != sys::Status::napi_ok
            || sys::napi_coerce_to_string(env, message, &mut text) != sys::Status::napi_ok
        {
            return "a JavaScript exception".into();
        }
        let mut len = 0;
        sys::napi_get_value_string_utf8(env, text, ptr::null_mut(), 0, &mut len);
        let mut buf = vec![0u8; len + 1];
        sys::napi_get_value_string_utf8(env, text, buf.as_mut_ptr().cast(), len + 1, &mut len);
        String::from_utf8_lossy(&buf[..len]).into_owned()
    }
}

/// Keeps what JavaScript threw (the first of a backward) for `rethrow`.
fn keep_thrown(env: sys::napi_env) -> String {
    unsafe {
        let mut exception = ptr::null_mut();
        sys::napi_get_and_clear_last_exception(env, &mut exception);
        let message = message_of(env, exception);
        if THROWN.with(|t| t.get()).is_none() {
            let mut reference = ptr::null_mut();
            if sys::napi_create_reference(env, exception, 1, &mut reference) == sys::Status::napi_ok
            {
                THROWN.with(|t| t.set(Some(reference)));
            }
        }
        message
    }
}

/// The error a failed backward throws: what the dispatcher threw, if it did.
fn rethrow(env: Env, err: torchts_core::Error) -> Error {
    match THROWN.with(|t| t.take()) {
        Some(reference) => unsafe {
            let mut value = ptr::null_mut();
            sys::napi_get_reference_value(env.raw(), reference, &mut value);
            sys::napi_delete_reference(env.raw(), reference);
            Error::from(Unknown::from_raw_unchecked(env.raw(), value))
        },
        None => crate::error::to_js(err),
    }
}

/// Forgets anything thrown in a backward that did not come through here
/// (a fit's loop calls backward itself).
fn forget_thrown(env: Env) {
    if let Some(reference) = THROWN.with(|t| t.take()) {
        unsafe { sys::napi_delete_reference(env.raw(), reference) };
    }
}

fn dispatch(
    call: Call,
    id: u64,
    values: Vec<Option<tch::Tensor>>,
) -> std::result::Result<Vec<Option<tch::Tensor>>, String> {
    let Some((env, func_ref)) = DISPATCHER.with(|d| d.get()) else {
        return Err(format!(
            "{} is JavaScript and can only run on the JavaScript thread that made it, but this backward ran on another thread (fitAsync, forwardAsync or a device thread); call backward() from JavaScript",
            match call {
                Call::Backward => "this custom autograd Function's backward",
                Call::Hooks => "this tensor hook",
            }
        ));
    };
    let mut scope = ptr::null_mut();
    // SAFETY: this thread's env, inside the native call (backward) that
    // runs the engine; nothing made in the scope outlives it (results are
    // shallow-cloned out).
    unsafe { sys::napi_open_handle_scope(env, &mut scope) };
    let result = unsafe { call_dispatcher(env, func_ref, call, id, values) };
    unsafe { sys::napi_close_handle_scope(env, scope) };
    result
}

unsafe fn call_dispatcher(
    env: sys::napi_env,
    func_ref: sys::napi_ref,
    call: Call,
    id: u64,
    values: Vec<Option<tch::Tensor>>,
) -> std::result::Result<Vec<Option<tch::Tensor>>, String> {
    let failed = |what: &str| format!("torchts: could not {what} for the autograd callback");
    unsafe {
        let mut func = ptr::null_mut();
        sys::napi_get_reference_value(env, func_ref, &mut func);
        let (mut kind, mut key, mut array, mut undefined) = (
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        sys::napi_create_uint32(env, (call == Call::Hooks) as u32, &mut kind);
        sys::napi_create_double(env, id as f64, &mut key);
        sys::napi_create_array_with_length(env, values.len(), &mut array);
        sys::napi_get_undefined(env, &mut undefined);
        for (i, v) in values.into_iter().enumerate() {
            let value = match v {
                Some(t) => Tensor::to_napi_value(env, Tensor::new(t))
                    .map_err(|_| failed("wrap a gradient"))?,
                None => {
                    let mut null = ptr::null_mut();
                    sys::napi_get_null(env, &mut null);
                    null
                }
            };
            sys::napi_set_element(env, array, i as u32, value);
        }
        let args = [kind, key, array];
        let mut out = ptr::null_mut();
        let status = sys::napi_call_function(env, undefined, func, 3, args.as_ptr(), &mut out);
        if status == sys::Status::napi_pending_exception {
            return Err(keep_thrown(env));
        }
        if status != sys::Status::napi_ok {
            return Err(failed("call JavaScript"));
        }
        let mut len = 0u32;
        if sys::napi_get_array_length(env, out, &mut len) != sys::Status::napi_ok {
            return Err(failed("read the results"));
        }
        let mut results = Vec::with_capacity(len as usize);
        for i in 0..len {
            let mut item = ptr::null_mut();
            sys::napi_get_element(env, out, i, &mut item);
            let mut kind = sys::ValueType::napi_undefined;
            sys::napi_typeof(env, item, &mut kind);
            if kind == sys::ValueType::napi_null || kind == sys::ValueType::napi_undefined {
                results.push(None);
            } else {
                let t = Tensor::from_napi_ref(env, item).map_err(|_| failed("read a gradient"))?;
                let t = t.get().map_err(|e| e.reason.clone())?;
                results.push(Some(t.shallow_clone()));
            }
        }
        Ok(results)
    }
}

/// Ids of this thread's custom nodes and hook lists that died (their JS
/// entries can go).
#[napi(catch_unwind)]
pub fn autograd_released() -> Vec<f64> {
    core::take_released()
        .into_iter()
        .map(|id| id as f64)
        .collect()
}

// ---- handles: an External per native object, like tensors ----

/// A native object owned by JavaScript through an External.
pub trait Handled: Sized + 'static {
    const MAGIC: u64;
    const NAME: &'static str;
    /// Whether GC may drop it (an InferenceMode guard is never dropped at a
    /// random time: that would change the thread's mode mid-program).
    const DROP_ON_GC: bool = true;
}

pub struct Handle<T: Handled> {
    magic: u64,
    value: Cell<Option<T>>,
}

impl<T: Handled> Handle<T> {
    fn new(value: T) -> Self {
        Handle {
            magic: T::MAGIC,
            value: Cell::new(Some(value)),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&T) -> Result<R>) -> Result<R> {
        let value = self.value.take();
        let result = match &value {
            Some(v) => f(v),
            None => Err(crate::error::invalid(format!(
                "{} has been released",
                T::NAME
            ))),
        };
        self.value.set(value);
        result
    }
}

unsafe extern "C" fn finalize_handle<T: Handled>(
    _env: sys::napi_env,
    data: *mut c_void,
    _hint: *mut c_void,
) {
    let handle = unsafe { Box::from_raw(data.cast::<Handle<T>>()) };
    if !T::DROP_ON_GC {
        std::mem::forget(handle.value.take());
    }
}

impl<T: Handled> ToNapiValue for Handle<T> {
    unsafe fn to_napi_value(env: sys::napi_env, handle: Self) -> Result<sys::napi_value> {
        let data = Box::into_raw(Box::new(handle));
        let mut value = ptr::null_mut();
        let status = unsafe {
            sys::napi_create_external(
                env,
                data.cast(),
                Some(finalize_handle::<T>),
                ptr::null_mut(),
                &mut value,
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Box::from_raw(data) });
            return Err(Error::new(
                Status::GenericFailure,
                "could not create a handle",
            ));
        }
        Ok(value)
    }
}

impl<T: Handled> FromNapiRef for Handle<T> {
    unsafe fn from_napi_ref(env: sys::napi_env, value: sys::napi_value) -> Result<&'static Self> {
        let mut data = ptr::null_mut();
        let status = unsafe { sys::napi_get_value_external(env, value, &mut data) };
        let handle = data.cast::<Handle<T>>();
        // SAFETY: only Externals made above carry T's magic word first.
        if status != sys::Status::napi_ok
            || handle.is_null()
            || unsafe { (*handle).magic } != T::MAGIC
        {
            return Err(crate::error::invalid(format!("expected {}", T::NAME)));
        }
        Ok(unsafe { &*handle })
    }
}

impl<T: Handled> TypeName for Handle<T> {
    fn type_name() -> &'static str {
        T::NAME
    }

    fn value_type() -> ValueType {
        ValueType::External
    }
}

impl<T: Handled> ValidateNapiValue for Handle<T> {}

impl Handled for FunctionCtx {
    const MAGIC: u64 = u64::from_be_bytes(*b"tts-ctx\x01");
    const NAME: &'static str = "a custom Function's ctx handle";
}

impl Handled for Node {
    const MAGIC: u64 = u64::from_be_bytes(*b"tts-node");
    const NAME: &'static str = "an autograd node handle";
}

impl Handled for InferenceModeGuard {
    const MAGIC: u64 = u64::from_be_bytes(*b"tts-infm");
    const NAME: &'static str = "an inference mode guard";
    const DROP_ON_GC: bool = false;
}

// ---- custom Functions ----

fn all(v: &[TensorArg]) -> Result<Vec<&tch::Tensor>> {
    v.iter().map(|t| t.get()).collect()
}

fn some(v: &[Option<TensorArg>]) -> Result<Vec<Option<&tch::Tensor>>> {
    v.iter()
        .map(|t| t.as_ref().map(|t| t.get()).transpose())
        .collect()
}

/// What `Function.apply` gets back from the native side.
#[napi(object, object_from_js = false)]
pub struct FunctionApplied {
    /// forward's outputs attached to the node; null for non-tensor outputs.
    #[napi(ts_type = "(Tensor | null)[]")]
    pub outputs: Vec<Option<Tensor>>,
    /// The node's id (0 when nothing needs a gradient).
    pub id: f64,
    #[napi(ts_type = "object | null")]
    pub ctx: Option<Handle<FunctionCtx>>,
}

/// Makes the node of a custom Function call and attaches its outputs (see
/// `torchts_core::autograd::function_apply`).
#[allow(clippy::too_many_arguments)]
#[napi(catch_unwind)]
pub fn function_apply(
    name: String,
    is_tensor_arg: Vec<bool>,
    #[napi(ts_arg_type = "Tensor[]")] inputs: Vec<TensorArg>,
    is_executable: bool,
    materialize_grads: bool,
    #[napi(ts_arg_type = "(Tensor | null)[]")] outputs: Vec<Option<TensorArg>>,
    #[napi(ts_arg_type = "Tensor[]")] dirty: Vec<TensorArg>,
    #[napi(ts_arg_type = "Tensor[]")] non_differentiable: Vec<TensorArg>,
    #[napi(ts_arg_type = "(Tensor | null)[]")] to_save: Vec<Option<TensorArg>>,
) -> Result<FunctionApplied> {
    let (inputs, dirty, non_diff) = (all(&inputs)?, all(&dirty)?, all(&non_differentiable)?);
    let (outputs, to_save) = (some(&outputs)?, some(&to_save)?);
    let applied = core::function_apply(&core::FunctionCall {
        name: &name,
        is_tensor_arg: &is_tensor_arg,
        inputs: &inputs,
        is_executable,
        materialize_grads,
        outputs: &outputs,
        dirty: &dirty,
        non_differentiable: &non_diff,
        to_save: &to_save,
    })
    .or_throw()?;
    let (id, ctx) = match applied.node {
        Some((id, ctx)) => (id as f64, Some(Handle::new(ctx))),
        None => (0.0, None),
    };
    Ok(FunctionApplied {
        outputs: applied
            .outputs
            .into_iter()
            .map(|t| t.map(Tensor::new))
            .collect(),
        id,
        ctx,
    })
}

/// `ctx.saved_tensors`.
#[napi(catch_unwind)]
pub fn function_saved_tensors(
    #[napi(ts_arg_type = "object")] ctx: &Handle<FunctionCtx>,
) -> Result<Vec<Option<Tensor>>> {
    ctx.with(|c| {
        let saved = c.saved_tensors().or_throw()?;
        Ok(saved.into_iter().map(|t| t.map(Tensor::new)).collect())
    })
}

// ---- graph ----

/// `t.grad_fn`, or null for leaves.
#[napi(catch_unwind, ts_return_type = "object | null")]
pub fn grad_fn(tensor: &Tensor) -> Result<Option<Handle<Node>>> {
    Ok(Node::of(tensor.get()?).or_throw()?.map(Handle::new))
}

/// The same number for the same native node while it lives.
#[napi(catch_unwind)]
pub fn node_key(#[napi(ts_arg_type = "object")] node: &Handle<Node>) -> Result<f64> {
    node.with(|n| Ok(n.key() as f64))
}

#[napi(catch_unwind)]
pub fn node_name(#[napi(ts_arg_type = "object")] node: &Handle<Node>) -> Result<String> {
    node.with(|n| n.name().or_throw())
}

/// `next_functions`' nodes (null where an input needs no gradient).
#[napi(catch_unwind, ts_return_type = "(object | null)[]")]
pub fn node_next_functions(
    #[napi(ts_arg_type = "object")] node: &Handle<Node>,
) -> Result<Vec<Option<Handle<Node>>>> {
    node.with(|n| {
        Ok(n.next_functions()
            .or_throw()?
            .into_iter()
            .map(|(f, _)| f.map(Handle::new))
            .collect())
    })
}

/// `next_functions`' input numbers.
#[napi(catch_unwind)]
pub fn node_next_input_nrs(
    #[napi(ts_arg_type = "object")] node: &Handle<Node>,
) -> Result<Vec<u32>> {
    node.with(|n| {
        Ok(n.next_functions()
            .or_throw()?
            .into_iter()
            .map(|(_, nr)| nr)
            .collect())
    })
}

/// AccumulateGrad's `variable`, or null for other nodes.
#[napi(catch_unwind)]
pub fn node_variable(
    #[napi(ts_arg_type = "object")] node: &Handle<Node>,
) -> Result<Option<Tensor>> {
    node.with(|n| Ok(n.variable().or_throw()?.map(Tensor::new)))
}

// ---- hooks, retain_grad ----

/// The key of the tensor's JavaScript hook list (made on first use).
#[napi(catch_unwind)]
pub fn tensor_hook_key(tensor: &Tensor) -> Result<f64> {
    Ok(core::hook_key(tensor.get()?).or_throw()?.0 as f64)
}

/// PyTorch's check of a hook's replacement gradient.
#[napi(catch_unwind)]
pub fn check_hook_result(original: &Tensor, result: &Tensor, hook_name: String) -> Result<()> {
    core::check_hook_result(original.get()?, result.get()?, &hook_name).or_throw()
}

#[napi(catch_unwind)]
pub fn retain_grad(tensor: &Tensor) -> Result<()> {
    core::retain_grad(tensor.get()?).or_throw()
}

#[napi(catch_unwind)]
pub fn retains_grad(tensor: &Tensor) -> Result<bool> {
    core::retains_grad(tensor.get()?).or_throw()
}

#[napi(catch_unwind)]
pub fn is_inference(tensor: &Tensor) -> Result<bool> {
    core::is_inference(tensor.get()?).or_throw()
}

// ---- torch.autograd.backward / grad ----

/// `torch.autograd.backward` (accumulateGrad) or `torch.autograd.grad`.
/// A JavaScript exception from a custom backward or hook is rethrown as is.
#[allow(clippy::too_many_arguments)]
#[napi(catch_unwind)]
pub fn autograd_run_backward(
    env: Env,
    #[napi(ts_arg_type = "Tensor[]")] outputs: Vec<TensorArg>,
    #[napi(ts_arg_type = "(Tensor | null)[]")] grads: Vec<Option<TensorArg>>,
    #[napi(ts_arg_type = "Tensor[]")] inputs: Vec<TensorArg>,
    retain_graph: bool,
    create_graph: bool,
    allow_unused: bool,
    accumulate_grad: bool,
) -> Result<Vec<Option<Tensor>>> {
    forget_thrown(env);
    let (outputs, grads, inputs) = (all(&outputs)?, some(&grads)?, all(&inputs)?);
    let made = core::make_grads(&outputs, &grads).or_throw()?;
    let opts = core::RunBackward {
        retain_graph,
        create_graph,
        allow_unused,
        accumulate_grad,
    };
    match core::run_backward(&outputs, &made, &inputs, opts) {
        Ok(results) => {
            forget_thrown(env);
            Ok(results.into_iter().map(|t| t.map(Tensor::new)).collect())
        }
        Err(e) => Err(rethrow(env, e)),
    }
}

// ---- inference mode ----

#[napi(catch_unwind, ts_return_type = "object")]
pub fn inference_mode_enter(enabled: bool) -> Result<Handle<InferenceModeGuard>> {
    Ok(Handle::new(InferenceModeGuard::enter(enabled).or_throw()?))
}

/// Restores the mode the guard replaced (once; later calls do nothing).
#[napi(catch_unwind)]
pub fn inference_mode_exit(#[napi(ts_arg_type = "object")] guard: &Handle<InferenceModeGuard>) {
    drop(guard.value.take());
}

#[napi(catch_unwind)]
pub fn is_inference_mode_enabled() -> bool {
    core::is_inference_mode_enabled()
}
