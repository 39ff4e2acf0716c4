//! PyTorch dtype and device names <-> tch values.
use crate::{Error, Result};
use tch::{Device, Kind};

pub fn parse_kind(name: &str) -> Result<Kind> {
    Ok(match name {
        "float32" | "float" => Kind::Float,
        "float64" | "double" => Kind::Double,
        "float16" | "half" => Kind::Half,
        "bfloat16" => Kind::BFloat16,
        "int8" => Kind::Int8,
        "int16" | "short" => Kind::Int16,
        "int32" | "int" => Kind::Int,
        "int64" | "long" => Kind::Int64,
        "uint8" => Kind::Uint8,
        "bool" => Kind::Bool,
        other => return Err(Error::invalid(format!("unknown dtype '{other}'"))),
    })
}

pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Float => "float32",
        Kind::Double => "float64",
        Kind::Half => "float16",
        Kind::BFloat16 => "bfloat16",
        Kind::Int8 => "int8",
        Kind::Int16 => "int16",
        Kind::Int => "int32",
        Kind::Int64 => "int64",
        Kind::Uint8 => "uint8",
        Kind::Bool => "bool",
        Kind::ComplexFloat => "complex64",
        Kind::ComplexDouble => "complex128",
        _ => "unknown",
    }
}

/// 'cpu', 'cuda', 'cuda:N', 'mps' (PyTorch's spellings).
pub fn parse_device(name: &str) -> Result<Device> {
    let bad = || {
        Error::invalid(format!(
            "Expected one of cpu, cuda, mps device type at start of device string: {name}"
        ))
    };
    let (kind, index) = match name.split_once(':') {
        Some((k, i)) => (k, Some(i.parse::<usize>().map_err(|_| bad())?)),
        None => (name, None),
    };
    match kind {
        "cpu" => Ok(Device::Cpu),
        "cuda" => Ok(Device::Cuda(index.unwrap_or(0))),
        "mps" => Ok(Device::Mps),
        _ => Err(bad()),
    }
}

pub fn device_name(device: Device) -> String {
    match device {
        Device::Cpu => "cpu".into(),
        Device::Cuda(i) => format!("cuda:{i}"),
        Device::Mps => "mps:0".into(),
        Device::Vulkan => "vulkan".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "float32", "float64", "float16", "bfloat16", "int32", "int64", "uint8", "bool",
        ] {
            assert_eq!(kind_name(parse_kind(name).unwrap()), name);
        }
        assert!(parse_kind("complex7").is_err());
        assert_eq!(device_name(parse_device("cuda:1").unwrap()), "cuda:1");
        assert_eq!(parse_device("cuda").unwrap(), Device::Cuda(0));
        assert!(parse_device("tpu").is_err());
        assert!(parse_device("cuda:x").is_err());
    }
}
