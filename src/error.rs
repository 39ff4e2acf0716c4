//! Every failure reaches JS as a `TorchError` (ts/errors.ts) whose message is
//! one readable line, with libtorch's full text kept in `detail`. The TS layer
//! registers the error constructor once per thread (workers have their own),
//! so errors get the right class without a try/catch around every call.
use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use std::cell::Cell;
use std::ptr;
use torchts_core::Error as CoreError;

thread_local! {
    static FACTORY: Cell<Option<(sys::napi_env, sys::napi_ref)>> = const { Cell::new(None) };
}

/// Called once by ts/errors.ts: `factory(code, message, detail)` builds the error.
#[napi(catch_unwind)]
pub fn register_error_factory(
    env: Env,
    factory: Function<FnArgs<(String, String, String)>, Unknown>,
) -> Result<()> {
    let mut reference = ptr::null_mut();
    check_status!(unsafe {
        sys::napi_create_reference(env.raw(), factory.raw(), 1, &mut reference)
    })?;
    FACTORY.with(|f| f.set(Some((env.raw(), reference))));
    Ok(())
}

fn make_error(code: &str, message: String, detail: String) -> Error {
    let built = FACTORY
        .with(|f| f.get())
        .and_then(|(env, reference)| unsafe {
            let mut func = ptr::null_mut();
            if sys::napi_get_reference_value(env, reference, &mut func) != sys::Status::napi_ok
                || func.is_null()
            {
                return None;
            }
            let mut undefined = ptr::null_mut();
            sys::napi_get_undefined(env, &mut undefined);
            let args = [code, message.as_str(), detail.as_str()].map(|s| {
                let mut v = ptr::null_mut();
                sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut v);
                v
            });
            let mut result = ptr::null_mut();
            if sys::napi_call_function(env, undefined, func, 3, args.as_ptr(), &mut result)
                != sys::Status::napi_ok
            {
                return None;
            }
            Some(Error::from(Unknown::from_raw_unchecked(env, result)))
        });
    built.unwrap_or_else(|| Error::new(Status::GenericFailure, message))
}

pub fn to_js(err: CoreError) -> Error {
    let code = match &err {
        CoreError::Torch { .. } => "TORCH_ERROR",
        CoreError::InvalidArgument(_) => "INVALID_ARGUMENT",
        CoreError::Cancelled => "ABORT_ERR",
        CoreError::Callback(_) => "CALLBACK_ERROR",
    };
    make_error(code, err.to_string(), err.detail())
}

pub fn invalid(msg: impl Into<String>) -> Error {
    to_js(CoreError::invalid(msg))
}

/// `?`-friendly conversion of engine and tch results.
pub trait OrThrow<T> {
    fn or_throw(self) -> Result<T>;
}

impl<T> OrThrow<T> for std::result::Result<T, CoreError> {
    fn or_throw(self) -> Result<T> {
        self.map_err(to_js)
    }
}

impl<T> OrThrow<T> for std::result::Result<T, tch::TchError> {
    fn or_throw(self) -> Result<T> {
        self.map_err(|e| to_js(e.into()))
    }
}
