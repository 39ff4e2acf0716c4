//! torch.save / torch.load of tensor dicts in the safetensors format.
use crate::error::{invalid, OrThrow};
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tch::Tensor as TchTensor;

#[napi(object, object_from_js = false)]
pub struct NamedTensors {
    pub names: Vec<String>,
    pub tensors: Vec<Tensor>,
}

#[napi(catch_unwind)]
pub fn save_safetensors(names: Vec<String>, tensors: Vec<&Tensor>, path: String) -> Result<()> {
    if names.len() != tensors.len() {
        return Err(invalid("names and tensors differ in length"));
    }
    let mut cpu: Vec<(String, TchTensor)> = Vec::with_capacity(names.len());
    for (name, t) in names.into_iter().zip(tensors) {
        let t = t
            .get()?
            .f_detach()
            .and_then(|t| t.f_to_device(tch::Device::Cpu))
            .and_then(|t| t.f_contiguous())
            .or_throw()?;
        cpu.push((name, t));
    }
    TchTensor::write_safetensors(&cpu, &path).or_throw()
}

/// What each safetensors parse error means, for the one-line message.
fn explain(kind: &str) -> &'static str {
    match kind {
        "HeaderTooSmall" => "the file is shorter than the 8-byte header length",
        "HeaderTooLarge" | "InvalidHeaderLength" => "the header length does not fit the file",
        "InvalidHeaderStart" | "InvalidHeader" | "InvalidHeaderDeserialization" => {
            "the header is not valid safetensors JSON"
        }
        "MetadataIncompleteBuffer" => "the file is shorter than its header says (truncated?)",
        "TensorInvalidInfo" | "InvalidTensorView" => {
            "a tensor's shape and dtype disagree with its byte range"
        }
        "InvalidOffset" => "tensor byte ranges overlap or leave gaps",
        _ => "",
    }
}

/// `{path}: not a valid safetensors file (Kind: meaning)` from tch's
/// "safetensors error {path}: Kind" text.
fn load_error(path: &str, text: &str) -> Error {
    let summary = torchts_core::error::summarize_libtorch_message(text);
    let kind = summary
        .rsplit(": ")
        .next()
        .unwrap_or(&summary)
        .trim()
        .to_string();
    let detail = match explain(&kind) {
        "" => kind,
        meaning => format!("{kind}: {meaning}"),
    };
    invalid(format!("{path}: not a valid safetensors file ({detail})"))
}

#[napi(catch_unwind)]
pub fn load_safetensors(path: String) -> Result<NamedTensors> {
    if !std::path::Path::new(&path).exists() {
        return Err(invalid(format!("No such file or directory: '{path}'")));
    }
    // tch panics on some inputs instead of returning an error: never let that reach JS as a crash.
    let loaded = std::panic::catch_unwind(|| TchTensor::read_safetensors(&path))
        .map_err(|_| invalid(format!("{path}: not a valid safetensors file")))?
        .map_err(|e| load_error(&path, &e.to_string()))?;
    let mut names = Vec::with_capacity(loaded.len());
    let mut tensors = Vec::with_capacity(loaded.len());
    for (name, t) in loaded {
        names.push(name);
        tensors.push(Tensor::new(t));
    }
    Ok(NamedTensors { names, tensors })
}
