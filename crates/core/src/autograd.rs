//! Autograd beyond tch: `Tensor.backward(gradient, retain_graph)` through
//! libtorch's entry point, grad_fn names, and (csrc/autograd.cpp) custom
//! Functions whose backward calls back into the host, graph inspection,
//! tensor hooks, retain_grad, `torch.autograd.grad`/`backward` and
//! InferenceMode guards.
use crate::{Error, Result};
use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::OnceLock;
use tch::Tensor;
use torch_sys::C_tensor;

fn last_libtorch_error() -> Result<()> {
    match crate::error::take_libtorch_error() {
        Some(text) => Err(tch::TchError::Torch(text).into()),
        None => Ok(()),
    }
}

/// Accumulates gradients into the leaves, like `t.backward(gradient, retain_graph)`.
/// With a gradient, backpropagates `(t * gradient).sum()`, whose gradient
/// with respect to `t` is exactly `gradient`.
pub fn backward(t: &Tensor, gradient: Option<&Tensor>, retain_graph: bool) -> Result<()> {
    if !t.requires_grad() {
        return Err(Error::invalid(
            "element 0 of tensors does not require grad and does not have a grad_fn",
        ));
    }
    let root = match gradient {
        Some(g) => {
            if g.size() != t.size() {
                let size = |s: Vec<i64>| {
                    format!(
                        "torch.Size([{}])",
                        s.iter()
                            .map(|d| d.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(Error::invalid(format!(
                    "Mismatch in shape: grad_output[0] has a shape of {} and output[0] has a shape of {}.",
                    size(g.size()),
                    size(t.size())
                )));
            }
            t.f_mul(g)?.f_sum(t.kind())?
        }
        None if t.numel() != 1 => {
            return Err(Error::invalid(
                "grad can be implicitly created only for scalar outputs",
            ));
        }
        None => t.shallow_clone(),
    };
    unsafe { torch_sys::at_backward(root.as_ptr() as *mut _, retain_graph as i32, 0) };
    last_libtorch_error()
}

/// The class name of the autograd node that made `t` (PyTorch's
/// `type(t.grad_fn).__name__`, `MulBackward0`), or None for leaves.
pub fn grad_fn_name(t: &Tensor) -> Result<Option<String>> {
    let mut name = std::ptr::null_mut();
    crate::shim::check(unsafe { crate::shim::tts_grad_fn_name(t.as_ptr().cast_mut(), &mut name) })?;
    Ok((!name.is_null()).then(|| unsafe { crate::shim::take_string(name) }))
}

/// `t.grad = None`, as PyTorch 2's `zero_grad()` leaves every gradient
/// (`set_to_none=True`): the next backward that does not reach `t` leaves it
/// None, and optimizers skip it.
pub fn set_grad_to_none(t: &Tensor) -> Result<()> {
    crate::shim::check(unsafe { crate::shim::tts_set_grad_to_none(t.as_ptr().cast_mut()) })
}

extern "C" {
    fn tts_autograd_set_callback(cb: Callback);
    fn tts_autograd_push_result(sink: *mut c_void, t: *mut C_tensor);
    fn tts_autograd_take_released(out: *mut u64, cap: usize) -> usize;
    fn tts_function_apply(
        name: *const c_char,
        is_tensor_arg: *const c_int,
        n_args: usize,
        inputs: *const *mut C_tensor,
        n_inputs: usize,
        is_executable: c_int,
        materialize_grads: c_int,
        outputs: *const *mut C_tensor,
        n_outputs: usize,
        dirty: *const *mut C_tensor,
        n_dirty: usize,
        non_diff: *const *mut C_tensor,
        n_non_diff: usize,
        to_save: *const *mut C_tensor,
        n_save: usize,
        wrapped: *mut *mut C_tensor,
        id_out: *mut u64,
        ctx_out: *mut *mut c_void,
    ) -> *mut c_char;
    fn tts_function_ctx_free(ctx: *mut c_void);
    fn tts_function_num_saved(ctx: *mut c_void, n: *mut usize) -> *mut c_char;
    fn tts_function_saved(ctx: *mut c_void, i: usize, out: *mut *mut C_tensor) -> *mut c_char;
    fn tts_grad_fn(t: *mut C_tensor, out: *mut *mut c_void) -> *mut c_char;
    fn tts_node_free(node: *mut c_void);
    fn tts_node_key(node: *mut c_void) -> u64;
    fn tts_node_name(node: *mut c_void, out: *mut *mut c_char) -> *mut c_char;
    fn tts_node_num_next(node: *mut c_void) -> usize;
    fn tts_node_next(
        node: *mut c_void,
        i: usize,
        out: *mut *mut c_void,
        input_nr: *mut u32,
    ) -> *mut c_char;
    fn tts_node_variable(node: *mut c_void, out: *mut *mut C_tensor) -> *mut c_char;
    fn tts_tensor_hook_key(t: *mut C_tensor, key: *mut u64, fresh: *mut c_int) -> *mut c_char;
    fn tts_check_hook_result(
        original: *mut C_tensor,
        result: *mut C_tensor,
        name: *const c_char,
    ) -> *mut c_char;
    fn tts_retain_grad(t: *mut C_tensor) -> *mut c_char;
    fn tts_retains_grad(t: *mut C_tensor, out: *mut c_int) -> *mut c_char;
    fn tts_is_inference(t: *mut C_tensor, out: *mut c_int) -> *mut c_char;
    fn tts_run_backward(
        outputs: *const *mut C_tensor,
        n: usize,
        grads: *const *mut C_tensor,
        keep_graph: c_int,
        create_graph: c_int,
        inputs: *const *mut C_tensor,
        n_inputs: usize,
        allow_unused: c_int,
        accumulate_grad: c_int,
        results: *mut *mut C_tensor,
    ) -> *mut c_char;
    fn tts_inference_mode_enter(enabled: c_int, out: *mut *mut c_void) -> *mut c_char;
    fn tts_inference_mode_exit(guard: *mut c_void);
    fn tts_inference_mode_enabled() -> c_int;
}

type Callback = unsafe extern "C" fn(
    kind: c_int,
    id: u64,
    values: *mut *mut C_tensor,
    n: usize,
    sink: *mut c_void,
) -> *mut c_char;

/// What a node asks of the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// A custom Function's backward: one gradient per forward output in,
    /// one per forward argument out (None where there is none).
    Backward,
    /// A tensor's hooks: its gradient in, a replacement (or None) out.
    Hooks,
}

/// The host's side of custom nodes and hooks. It runs on the thread that
/// runs the node, which need not be the host's (fitAsync's pool threads);
/// an `Err` becomes the C++ exception the engine reports from backward.
pub type Handler =
    fn(Call, u64, Vec<Option<Tensor>>) -> std::result::Result<Vec<Option<Tensor>>, String>;

static HANDLER: OnceLock<Handler> = OnceLock::new();

fn c_text(text: &str) -> *mut c_char {
    let bytes = text.as_bytes();
    let out = unsafe { libc::malloc(bytes.len() + 1) }.cast::<u8>();
    if !out.is_null() {
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), out, bytes.len());
            *out.add(bytes.len()) = 0;
        }
    }
    out.cast()
}

unsafe extern "C" fn trampoline(
    kind: c_int,
    id: u64,
    values: *mut *mut C_tensor,
    n: usize,
    sink: *mut c_void,
) -> *mut c_char {
    // Take ownership of every value first, so none leaks on an early return.
    let values: Vec<Option<Tensor>> = (0..n)
        .map(|i| {
            let p = unsafe { *values.add(i) };
            (!p.is_null()).then(|| unsafe { Tensor::from_ptr(p) })
        })
        .collect();
    let Some(handler) = HANDLER.get() else {
        return c_text("torchts: no autograd callback handler is set");
    };
    let call = if kind == 0 {
        Call::Backward
    } else {
        Call::Hooks
    };
    match std::panic::catch_unwind(|| handler(call, id, values)) {
        Ok(Ok(results)) => {
            for r in &results {
                let p = r
                    .as_ref()
                    .map_or(std::ptr::null_mut(), |t| t.as_ptr().cast_mut());
                unsafe { tts_autograd_push_result(sink, p) };
            }
            std::ptr::null_mut()
        }
        Ok(Err(message)) => c_text(&message),
        Err(_) => c_text("torchts: the autograd callback panicked"),
    }
}

/// Sets the host's handler (once per process; later calls are ignored).
pub fn set_handler(handler: Handler) {
    if HANDLER.set(handler).is_ok() {
        unsafe { tts_autograd_set_callback(trampoline) };
    }
}

/// Ids of this thread's custom nodes and hook lists that have died since
/// the last call (their host entries can go).
pub fn take_released() -> Vec<u64> {
    let mut out = Vec::new();
    let mut buf = [0u64; 256];
    loop {
        let n = unsafe { tts_autograd_take_released(buf.as_mut_ptr(), buf.len()) };
        out.extend_from_slice(&buf[..n]);
        if n < buf.len() {
            return out;
        }
    }
}

fn ptr(t: &Tensor) -> *mut C_tensor {
    t.as_ptr().cast_mut()
}

fn opt_ptr(t: Option<&Tensor>) -> *mut C_tensor {
    t.map_or(std::ptr::null_mut(), ptr)
}

unsafe fn owned(p: *mut C_tensor) -> Option<Tensor> {
    (!p.is_null()).then(|| unsafe { Tensor::from_ptr(p) })
}

fn c_string(text: &str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::invalid("names cannot hold NUL characters"))
}

/// A custom Function call after its forward ran (see `function_apply`).
pub struct FunctionCall<'a> {
    /// The node's name (`MyFnBackward`).
    pub name: &'a str,
    /// Per forward argument: whether it was a tensor.
    pub is_tensor_arg: &'a [bool],
    /// The tensor arguments, in order.
    pub inputs: &'a [&'a Tensor],
    /// Grad mode was on and some input requires grad.
    pub is_executable: bool,
    pub materialize_grads: bool,
    /// What forward returned; None for non-tensors.
    pub outputs: &'a [Option<&'a Tensor>],
    pub dirty: &'a [&'a Tensor],
    pub non_differentiable: &'a [&'a Tensor],
    pub to_save: &'a [Option<&'a Tensor>],
}

/// The node's side of `ctx` (a weak reference: the node outlives nothing).
pub struct FunctionCtx(*mut c_void);

impl Drop for FunctionCtx {
    fn drop(&mut self) {
        unsafe { tts_function_ctx_free(self.0) }
    }
}

// SAFETY: a weak_ptr may move between threads.
unsafe impl Send for FunctionCtx {}

impl FunctionCtx {
    /// `ctx.saved_tensors`, checked against in-place changes and against a
    /// graph already freed by backward, with PyTorch's messages.
    pub fn saved_tensors(&self) -> Result<Vec<Option<Tensor>>> {
        let mut n = 0;
        crate::shim::check(unsafe { tts_function_num_saved(self.0, &mut n) })?;
        (0..n)
            .map(|i| {
                let mut out = std::ptr::null_mut();
                crate::shim::check(unsafe { tts_function_saved(self.0, i, &mut out) })
                    .map_err(python_type_names)?;
                Ok(unsafe { owned(out) })
            })
            .collect()
    }
}

/// What `Function.apply` returns: the outputs attached to the new node
/// (None for non-tensor outputs), the node's id and the ctx handle (both
/// absent when nothing needs a gradient).
pub struct Applied {
    pub outputs: Vec<Option<Tensor>>,
    pub node: Option<(u64, FunctionCtx)>,
}

/// Makes a custom Function's node and attaches the outputs, as PyTorch's
/// `process_outputs` does.
pub fn function_apply(call: &FunctionCall) -> Result<Applied> {
    let name = c_string(call.name)?;
    let is_tensor: Vec<c_int> = call.is_tensor_arg.iter().map(|&b| b as c_int).collect();
    let inputs: Vec<_> = call.inputs.iter().map(|t| ptr(t)).collect();
    let outputs: Vec<_> = call.outputs.iter().map(|t| opt_ptr(*t)).collect();
    let dirty: Vec<_> = call.dirty.iter().map(|t| ptr(t)).collect();
    let non_diff: Vec<_> = call.non_differentiable.iter().map(|t| ptr(t)).collect();
    let to_save: Vec<_> = call.to_save.iter().map(|t| opt_ptr(*t)).collect();
    let mut wrapped = vec![std::ptr::null_mut(); outputs.len()];
    let (mut id, mut ctx) = (0u64, std::ptr::null_mut());
    crate::shim::check(unsafe {
        tts_function_apply(
            name.as_ptr(),
            is_tensor.as_ptr(),
            is_tensor.len(),
            inputs.as_ptr(),
            inputs.len(),
            call.is_executable as c_int,
            call.materialize_grads as c_int,
            outputs.as_ptr(),
            outputs.len(),
            dirty.as_ptr(),
            dirty.len(),
            non_diff.as_ptr(),
            non_diff.len(),
            to_save.as_ptr(),
            to_save.len(),
            wrapped.as_mut_ptr(),
            &mut id,
            &mut ctx,
        )
    })?;
    Ok(Applied {
        outputs: wrapped.into_iter().map(|p| unsafe { owned(p) }).collect(),
        node: (!ctx.is_null()).then(|| (id, FunctionCtx(ctx))),
    })
}

/// An autograd node (`t.grad_fn`), held alive while this lives.
pub struct Node(*mut c_void);

impl Drop for Node {
    fn drop(&mut self) {
        unsafe { tts_node_free(self.0) }
    }
}

// SAFETY: a shared_ptr may move between threads.
unsafe impl Send for Node {}

impl Node {
    /// The node that made `t`, or None for leaves.
    pub fn of(t: &Tensor) -> Result<Option<Node>> {
        let mut out = std::ptr::null_mut();
        crate::shim::check(unsafe { tts_grad_fn(ptr(t), &mut out) })?;
        Ok((!out.is_null()).then_some(Node(out)))
    }

    /// The same for the same native node (its address).
    pub fn key(&self) -> u64 {
        unsafe { tts_node_key(self.0) }
    }

    pub fn name(&self) -> Result<String> {
        let mut out = std::ptr::null_mut();
        crate::shim::check(unsafe { tts_node_name(self.0, &mut out) })?;
        Ok(unsafe { crate::shim::take_string(out) })
    }

    /// `next_functions`: (node, input_nr) per edge, None for inputs that
    /// need no gradient.
    pub fn next_functions(&self) -> Result<Vec<(Option<Node>, u32)>> {
        let n = unsafe { tts_node_num_next(self.0) };
        (0..n)
            .map(|i| {
                let (mut out, mut nr) = (std::ptr::null_mut(), 0u32);
                crate::shim::check(unsafe { tts_node_next(self.0, i, &mut out, &mut nr) })?;
                Ok(((!out.is_null()).then_some(Node(out)), nr))
            })
            .collect()
    }

    /// AccumulateGrad's `variable` (the leaf), None for other nodes.
    pub fn variable(&self) -> Result<Option<Tensor>> {
        let mut out = std::ptr::null_mut();
        crate::shim::check(unsafe { tts_node_variable(self.0, &mut out) })?;
        Ok(unsafe { owned(out) })
    }
}

/// The key of `t`'s host hook list, and whether it was just installed.
pub fn hook_key(t: &Tensor) -> Result<(u64, bool)> {
    let (mut key, mut fresh) = (0u64, 0 as c_int);
    crate::shim::check(unsafe { tts_tensor_hook_key(ptr(t), &mut key, &mut fresh) })?;
    Ok((key, fresh != 0))
}

/// PyTorch's check of a hook's replacement gradient.
pub fn check_hook_result(original: &Tensor, result: &Tensor, hook_name: &str) -> Result<()> {
    let name = c_string(hook_name)?;
    crate::shim::check(unsafe { tts_check_hook_result(ptr(original), ptr(result), name.as_ptr()) })
        .map_err(python_type_names)
}

pub fn retain_grad(t: &Tensor) -> Result<()> {
    crate::shim::check(unsafe { tts_retain_grad(ptr(t)) })
}

pub fn retains_grad(t: &Tensor) -> Result<bool> {
    let mut out = 0;
    crate::shim::check(unsafe { tts_retains_grad(ptr(t), &mut out) })?;
    Ok(out != 0)
}

pub fn is_inference(t: &Tensor) -> Result<bool> {
    let mut out = 0;
    crate::shim::check(unsafe { tts_is_inference(ptr(t), &mut out) })?;
    Ok(out != 0)
}

/// libtorch's type names as Python prints them (`CPUFloatType` is
/// `torch.FloatTensor`, as torch/csrc/Exceptions.cpp rewrites messages).
fn python_type_names(err: Error) -> Error {
    const SCALARS: [&str; 12] = [
        "ComplexDouble",
        "ComplexFloat",
        "BFloat16",
        "Double",
        "Float",
        "Half",
        "Long",
        "Int",
        "Short",
        "Char",
        "Byte",
        "Bool",
    ];
    let rewrite = |text: &str| {
        let mut text = text.to_string();
        for s in SCALARS {
            text = text
                .replace(&format!("CUDA{s}Type"), &format!("torch.cuda.{s}Tensor"))
                .replace(&format!("CPU{s}Type"), &format!("torch.{s}Tensor"));
        }
        text
    };
    match err {
        Error::Torch { summary, detail } => Error::Torch {
            summary: rewrite(&summary),
            detail: rewrite(&detail),
        },
        other => other,
    }
}

fn torch_size(s: &[i64]) -> String {
    let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("torch.Size([{}])", dims.join(", "))
}

/// Python's `torch.autograd._make_grads`: given gradients are checked
/// against their outputs' shapes, missing ones made as ones for scalar
/// outputs that require grad.
pub fn make_grads(outputs: &[&Tensor], grads: &[Option<&Tensor>]) -> Result<Vec<Option<Tensor>>> {
    if grads.len() != outputs.len() {
        return Err(Error::invalid(format!(
            "got {} tensors and {} gradients",
            outputs.len(),
            grads.len()
        )));
    }
    outputs
        .iter()
        .zip(grads)
        .enumerate()
        .map(|(i, (out, grad))| match grad {
            Some(g) => {
                if g.size() != out.size() {
                    return Err(Error::invalid(format!(
                        "Mismatch in shape: grad_output[{i}] has a shape of {} and output[{i}] has a shape of {}.",
                        torch_size(&g.size()),
                        torch_size(&out.size())
                    )));
                }
                Ok(Some(g.shallow_clone()))
            }
            None if out.requires_grad() => {
                if out.numel() != 1 {
                    return Err(Error::invalid(
                        "grad can be implicitly created only for scalar outputs",
                    ));
                }
                if !out.is_floating_point() {
                    return Err(Error::invalid(format!(
                        "grad can be implicitly created only for real scalar outputs but got torch.{}",
                        crate::kind::kind_name(out.f_kind()?)
                    )));
                }
                Ok(Some(out.f_ones_like()?))
            }
            None => Ok(None),
        })
        .collect()
}

/// Options of `run_backward` beyond the tensors.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunBackward {
    pub retain_graph: bool,
    pub create_graph: bool,
    pub allow_unused: bool,
    /// backward (into `.grad`) rather than grad (returned).
    pub accumulate_grad: bool,
}

/// Python's `Variable._execution_engine.run_backward` after `make_grads`:
/// for `grad`, the inputs' gradients (None where unused and allowed).
pub fn run_backward(
    outputs: &[&Tensor],
    grads: &[Option<Tensor>],
    inputs: &[&Tensor],
    opts: RunBackward,
) -> Result<Vec<Option<Tensor>>> {
    let outs: Vec<_> = outputs.iter().map(|t| ptr(t)).collect();
    let gs: Vec<_> = grads.iter().map(|g| opt_ptr(g.as_ref())).collect();
    let ins: Vec<_> = inputs.iter().map(|t| ptr(t)).collect();
    let mut results = vec![std::ptr::null_mut(); ins.len()];
    crate::shim::check(unsafe {
        tts_run_backward(
            outs.as_ptr(),
            outs.len(),
            gs.as_ptr(),
            opts.retain_graph as c_int,
            opts.create_graph as c_int,
            ins.as_ptr(),
            ins.len(),
            opts.allow_unused as c_int,
            opts.accumulate_grad as c_int,
            results.as_mut_ptr(),
        )
    })
    .map_err(python_type_names)?;
    Ok(results.into_iter().map(|p| unsafe { owned(p) }).collect())
}

/// A `c10::InferenceMode` guard: enters on creation, restores on drop.
/// Guards must be dropped in reverse order, on the thread that made them.
pub struct InferenceModeGuard(*mut c_void);

impl InferenceModeGuard {
    pub fn enter(enabled: bool) -> Result<Self> {
        let mut out = std::ptr::null_mut();
        crate::shim::check(unsafe { tts_inference_mode_enter(enabled as c_int, &mut out) })?;
        Ok(InferenceModeGuard(out))
    }
}

impl Drop for InferenceModeGuard {
    fn drop(&mut self) {
        unsafe { tts_inference_mode_exit(self.0) }
    }
}

pub fn is_inference_mode_enabled() -> bool {
    unsafe { tts_inference_mode_enabled() != 0 }
}

#[cfg(test)]
mod tests {
    #[test]
    fn grad_set_to_none_is_undefined_and_backward_makes_a_new_one() {
        use tch::{Device, Kind, Tensor};
        let p = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
        (&p * 3.0).sum(Kind::Float).backward();
        let old = p.grad();
        assert_eq!(Vec::<f32>::try_from(&old).unwrap(), vec![3.0, 3.0]);
        super::set_grad_to_none(&p).unwrap();
        assert!(!p.grad().defined());
        assert_eq!(
            Vec::<f32>::try_from(&old).unwrap(),
            vec![3.0, 3.0],
            "the old grad lives on where held"
        );
        (&p * 2.0).sum(Kind::Float).backward();
        assert_eq!(Vec::<f32>::try_from(&p.grad()).unwrap(), vec![2.0, 2.0]);
        let untouched = Tensor::zeros([2], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        super::set_grad_to_none(&untouched).unwrap();
        assert_eq!(super::grad_fn_name(&untouched).unwrap(), None);
        let made = &untouched * &untouched;
        assert_eq!(
            super::grad_fn_name(&made).unwrap().as_deref(),
            Some("MulBackward0")
        );
        assert!(!untouched.grad().defined());
    }

    use super::*;
    use tch::Kind;

    #[test]
    fn gradient_argument_and_retained_graph() {
        let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).set_requires_grad(true);
        let y = &x * &x;
        backward(&y, Some(&Tensor::from_slice(&[1.0f32, 0.5, 0.0])), true).unwrap();
        let g: Vec<f32> = x.grad().try_into().unwrap();
        assert_eq!(g, vec![2.0, 2.0, 0.0]);
        // the graph was retained, so a second pass accumulates
        backward(&y.sum(Kind::Float), None, false).unwrap();
        let g: Vec<f32> = x.grad().try_into().unwrap();
        assert_eq!(g, vec![4.0, 6.0, 6.0]);
        // and now it is freed: libtorch's error comes back as an Err
        let err = backward(&y.sum(Kind::Float), None, false).unwrap_err();
        assert!(
            err.to_string()
                .contains("backward through the graph a second time"),
            "{err}"
        );
        assert!(backward(&y, None, false)
            .unwrap_err()
            .to_string()
            .contains("scalar outputs"));
    }
}

#[cfg(test)]
mod host_tests {
    //! The native side of custom Functions, hooks and torch.autograd.grad,
    //! with a Rust handler standing in for JavaScript: backward doubles the
    //! gradient, a hook triples it.
    use super::*;
    use tch::Kind;

    fn handler(
        call: Call,
        _id: u64,
        values: Vec<Option<Tensor>>,
    ) -> std::result::Result<Vec<Option<Tensor>>, String> {
        let g = values[0].as_ref().ok_or("no gradient")?;
        Ok(match call {
            Call::Backward => vec![Some(g * 2.0), None],
            Call::Hooks => vec![Some(g * 3.0)],
        })
    }

    #[test]
    fn custom_function_node_calls_the_handler() {
        set_handler(handler);
        let x = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
        let out = tch::no_grad(|| &x * 5.0);
        let applied = function_apply(&FunctionCall {
            name: "TwiceBackward",
            is_tensor_arg: &[true, false],
            inputs: &[&x],
            is_executable: true,
            materialize_grads: true,
            outputs: &[Some(&out)],
            dirty: &[],
            non_differentiable: &[],
            to_save: &[Some(&x), None],
        })
        .unwrap();
        let (_, ctx) = applied.node.as_ref().unwrap();
        let y = applied.outputs[0].as_ref().unwrap();
        let node = Node::of(y).unwrap().unwrap();
        assert_eq!(node.name().unwrap(), "TwiceBackward");
        let next = node.next_functions().unwrap();
        assert_eq!(next.len(), 1);
        let acc = next[0].0.as_ref().unwrap();
        assert_eq!(acc.name().unwrap(), "torch::autograd::AccumulateGrad");
        assert!(acc.variable().unwrap().unwrap().equal(&x));
        let saved = ctx.saved_tensors().unwrap();
        assert!(saved[0].as_ref().unwrap().equal(&x) && saved[1].is_none());
        let loss = y.sum(Kind::Float);
        run_backward(
            &[&loss],
            &make_grads(&[&loss], &[None]).unwrap(),
            &[],
            RunBackward {
                accumulate_grad: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(Vec::<f32>::try_from(&x.grad()).unwrap(), vec![2.0, 2.0]);
        // backward freed the saved tensors, as PyTorch does
        let err = ctx.saved_tensors().unwrap_err().to_string();
        assert!(
            err.contains("backward through the graph a second time"),
            "{err}"
        );
        drop((applied, node, next, loss, out));
        assert!(!take_released().is_empty(), "the node's death is queued");
    }

    #[test]
    fn second_derivative_and_hooks() {
        set_handler(handler);
        let x = Tensor::from_slice(&[2.0f64]).set_requires_grad(true);
        let y = x.pow_tensor_scalar(3);
        let g = run_backward(
            &[&y],
            &make_grads(&[&y], &[None]).unwrap(),
            &[&x],
            RunBackward {
                create_graph: true,
                retain_graph: true,
                ..Default::default()
            },
        )
        .unwrap();
        let g = g[0].as_ref().unwrap();
        assert_eq!(f64::try_from(g).unwrap(), 12.0);
        let gg = run_backward(
            &[g],
            &make_grads(&[g], &[None]).unwrap(),
            &[&x],
            RunBackward::default(),
        )
        .unwrap();
        assert_eq!(f64::try_from(gg[0].as_ref().unwrap()).unwrap(), 12.0);
        // a hook on the leaf triples what reaches it
        let (key, fresh) = hook_key(&x).unwrap();
        assert!(fresh);
        assert_eq!(hook_key(&x).unwrap(), (key, false));
        let z = (&x * 4.0).sum(Kind::Double);
        let gz = run_backward(
            &[&z],
            &make_grads(&[&z], &[None]).unwrap(),
            &[&x],
            RunBackward::default(),
        )
        .unwrap();
        assert_eq!(f64::try_from(gz[0].as_ref().unwrap()).unwrap(), 12.0);
        let unused = Tensor::from_slice(&[1.0f64]).set_requires_grad(true);
        let w = (&x * 1.0).sum(Kind::Double);
        let err = run_backward(
            &[&w],
            &make_grads(&[&w], &[None]).unwrap(),
            &[&unused],
            RunBackward::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "One of the differentiated Tensors appears to not have been used in the graph."
            ),
            "{err}"
        );
        let bad = make_grads(&[&y], &[Some(&Tensor::from_slice(&[1.0f64, 2.0]))]).unwrap_err();
        assert_eq!(bad.to_string(), "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([1]).");
    }

    #[test]
    fn inference_mode_guard() {
        assert!(!is_inference_mode_enabled());
        let t = {
            let _guard = InferenceModeGuard::enter(true).unwrap();
            assert!(is_inference_mode_enabled());
            Tensor::from_slice(&[1.0f32]) * 2.0
        };
        assert!(!is_inference_mode_enabled());
        assert!(is_inference(&t).unwrap());
    }
}
