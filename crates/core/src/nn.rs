//! Built-in layers and losses as plain data over tch tensors. The eager API
//! (one native call per layer) and fused training (the whole loop in Rust)
//! both run these, so both give the same numbers.
use crate::{Error, Result};
use tch::{Device, Kind, Reduction, Tensor};

/// A built-in layer; parameters are shallow clones sharing storage with the
/// tensors the JS side holds, so in-place updates are seen by both.
pub enum Layer {
    Linear {
        weight: Tensor,
        bias: Option<Tensor>,
    },
    ReLU,
    Sigmoid,
    Tanh,
    Identity,
    Flatten {
        start_dim: i64,
        end_dim: i64,
    },
    Dropout {
        p: f64,
    },
}

impl Layer {
    pub fn forward(&self, x: &Tensor, training: bool) -> Result<Tensor> {
        Ok(match self {
            Layer::Linear { weight, bias } => x.f_linear(weight, bias.as_ref())?,
            Layer::ReLU => x.f_relu()?,
            Layer::Sigmoid => x.f_sigmoid()?,
            Layer::Tanh => x.f_tanh()?,
            Layer::Identity => x.shallow_clone(),
            Layer::Flatten { start_dim, end_dim } => x.f_flatten(*start_dim, *end_dim)?,
            Layer::Dropout { p } => x.f_dropout(*p, training)?,
        })
    }

    pub fn parameters(&self) -> Vec<&Tensor> {
        match self {
            Layer::Linear { weight, bias } => std::iter::once(weight).chain(bias.iter()).collect(),
            _ => vec![],
        }
    }
}

/// `nn.Sequential` of built-in layers.
pub struct Sequential {
    pub layers: Vec<Layer>,
}

impl Sequential {
    pub fn forward(&self, x: &Tensor, training: bool) -> Result<Tensor> {
        let mut out = x.shallow_clone();
        for layer in &self.layers {
            out = layer.forward(&out, training)?;
        }
        Ok(out)
    }

    pub fn parameters(&self) -> Vec<Tensor> {
        self.layers
            .iter()
            .flat_map(|l| l.parameters())
            .map(|t| t.shallow_clone())
            .collect()
    }
}

pub fn parse_reduction(name: &str) -> Result<Reduction> {
    match name {
        "mean" => Ok(Reduction::Mean),
        "sum" => Ok(Reduction::Sum),
        "none" => Ok(Reduction::None),
        other => Err(Error::invalid(format!(
            "{other} is not a valid value for reduction"
        ))),
    }
}

/// Loss functions with PyTorch's options.
pub enum Loss {
    CrossEntropy {
        weight: Option<Tensor>,
        reduction: Reduction,
        ignore_index: i64,
        label_smoothing: f64,
    },
    Nll {
        weight: Option<Tensor>,
        reduction: Reduction,
        ignore_index: i64,
    },
    Mse {
        reduction: Reduction,
    },
    BceWithLogits {
        weight: Option<Tensor>,
        pos_weight: Option<Tensor>,
        reduction: Reduction,
    },
}

impl Loss {
    pub fn cross_entropy() -> Self {
        Loss::CrossEntropy {
            weight: None,
            reduction: Reduction::Mean,
            ignore_index: -100,
            label_smoothing: 0.0,
        }
    }

    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        // libtorch's CPU kernels check class indices themselves, at no cost
        // ("Target 3 is out of bounds."): check only on failure, for the
        // fuller message. Elsewhere (CUDA) a bad index is a device-side
        // assert that poisons the context, so check first (~7 ops).
        if input.device() == Device::Cpu {
            return self.forward_unchecked(input, target).or_else(|err| {
                self.check_targets(input, target)?;
                Err(err)
            });
        }
        self.check_targets(input, target)?;
        self.forward_unchecked(input, target)
    }

    /// Class indices within `[0, classes)` (or the ignore index), for
    /// classification losses; other losses have nothing to check.
    pub fn check_targets(&self, input: &Tensor, target: &Tensor) -> Result<()> {
        match self {
            Loss::CrossEntropy { ignore_index, .. } | Loss::Nll { ignore_index, .. } => {
                check_class_targets(input, target, *ignore_index)
            }
            _ => Ok(()),
        }
    }

    /// `forward` without `check_targets`, for loops that checked their targets once.
    pub fn forward_unchecked(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Loss::CrossEntropy {
                weight,
                reduction,
                ignore_index,
                label_smoothing,
            } => input.f_cross_entropy_loss(
                target,
                weight.as_ref(),
                *reduction,
                *ignore_index,
                *label_smoothing,
            )?,
            Loss::Nll {
                weight,
                reduction,
                ignore_index,
            } => input.f_nll_loss(target, weight.as_ref(), *reduction, *ignore_index)?,
            Loss::Mse { reduction } => input.f_mse_loss(target, *reduction)?,
            Loss::BceWithLogits {
                weight,
                pos_weight,
                reduction,
            } => input.f_binary_cross_entropy_with_logits(
                target,
                weight.as_ref(),
                pos_weight.as_ref(),
                *reduction,
            )?,
        })
    }

    /// Classification losses report accuracy (argmax over dim 1).
    pub fn is_classification(&self) -> bool {
        matches!(self, Loss::CrossEntropy { .. } | Loss::Nll { .. })
    }
}

/// libtorch checks class indices with an assert whose text names no value
/// (and on CUDA it is a device-side assert), so check them here first.
fn check_class_targets(input: &Tensor, target: &Tensor, ignore_index: i64) -> Result<()> {
    if target.kind() != Kind::Int64 || target.dim() + 1 != input.dim() {
        return Ok(()); // probability targets or a shape libtorch explains well
    }
    let classes = if input.dim() >= 2 {
        input.size()[1]
    } else {
        input.size()[0]
    };
    if target.numel() == 0 {
        return Ok(());
    }
    let valid = target.f_ne(ignore_index)?;
    let bad = target
        .f_lt(0)?
        .f_logical_or(&target.f_ge(classes)?)?
        .f_logical_and(&valid)?;
    if bad.f_any()?.f_int64_value(&[])? != 0 {
        let first = target.f_masked_select(&bad)?.f_int64_value(&[0])?;
        return Err(Error::invalid(format!("Target {first} is out of bounds: expected class indices in [0, {}) for {classes} classes", classes)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn sequential_forward_shapes() {
        let w = Tensor::ones([3, 2], (Kind::Float, Device::Cpu));
        let b = Tensor::zeros([3], (Kind::Float, Device::Cpu));
        let model = Sequential {
            layers: vec![
                Layer::Linear {
                    weight: w,
                    bias: Some(b),
                },
                Layer::ReLU,
            ],
        };
        let x = Tensor::from_slice(&[1.0f32, -2.0]).view([1, 2]);
        let y = model.forward(&x, false).unwrap();
        assert_eq!(y.size(), vec![1, 3]);
        assert_eq!(y.sum(Kind::Float).double_value(&[]), 0.0);
        assert_eq!(model.parameters().len(), 2);
    }

    #[test]
    fn cross_entropy_rejects_out_of_range_labels() {
        let logits = Tensor::zeros([2, 3], (Kind::Float, Device::Cpu));
        let target = Tensor::from_slice(&[0i64, 3]);
        let err = Loss::cross_entropy().forward(&logits, &target).unwrap_err();
        assert!(
            err.to_string().contains("Target 3 is out of bounds"),
            "{err}"
        );
        let ok = Loss::cross_entropy()
            .forward(&logits, &Tensor::from_slice(&[0i64, 2]))
            .unwrap();
        assert!((ok.double_value(&[]) - 3f64.ln()).abs() < 1e-6);
    }

    #[test]
    fn bad_reduction_is_named() {
        assert_eq!(
            parse_reduction("avg").err().unwrap().to_string(),
            "avg is not a valid value for reduction"
        );
    }
}
