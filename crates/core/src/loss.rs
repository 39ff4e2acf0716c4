//! Losses as JavaScript describes them (LossSpec) and as the engine runs
//! them (Loss), with PyTorch's options, checks and messages. The eager API
//! (one native call per loss) and the training loop run the same code.
use crate::{Error, Result};
use tch::{Device, Kind, Reduction, Tensor};

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

/// A loss as JavaScript describes it; the class weights (`weight`,
/// `pos_weight`) travel beside it as tensors.
#[cfg_attr(feature = "napi", napi_derive::napi(discriminant = "type"))]
#[derive(Debug, Clone, PartialEq)]
pub enum LossSpec {
    CrossEntropy {
        reduction: String,
        ignore_index: i64,
        label_smoothing: f64,
    },
    Nll {
        reduction: String,
        ignore_index: i64,
    },
    Mse {
        reduction: String,
    },
    BceWithLogits {
        reduction: String,
    },
}

/// A loss function with PyTorch's options, checked once when made.
pub struct Loss {
    spec: LossSpec,
    reduction: Reduction,
    weight: Option<Tensor>,
    pos_weight: Option<Tensor>,
}

impl Loss {
    /// PyTorch's checks and messages: the reduction name, label smoothing in
    /// [0, 1], and class weights only for the losses that take them.
    pub fn new(spec: LossSpec, weight: Option<Tensor>, pos_weight: Option<Tensor>) -> Result<Loss> {
        let reduction = match &spec {
            LossSpec::CrossEntropy { reduction, .. }
            | LossSpec::Nll { reduction, .. }
            | LossSpec::Mse { reduction }
            | LossSpec::BceWithLogits { reduction } => parse_reduction(reduction)?,
        };
        if let LossSpec::CrossEntropy {
            label_smoothing, ..
        } = spec
        {
            if !(0.0..=1.0).contains(&label_smoothing) {
                return Err(Error::invalid(format!(
                    "label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"
                )));
            }
        }
        let takes_weight = !matches!(spec, LossSpec::Mse { .. });
        let takes_pos_weight = matches!(spec, LossSpec::BceWithLogits { .. });
        if (weight.is_some() && !takes_weight) || (pos_weight.is_some() && !takes_pos_weight) {
            return Err(Error::invalid(format!(
                "{spec:?} takes no {} tensor",
                if weight.is_some() && !takes_weight {
                    "weight"
                } else {
                    "pos_weight"
                }
            )));
        }
        Ok(Loss {
            spec,
            reduction,
            weight,
            pos_weight,
        })
    }

    pub fn cross_entropy() -> Self {
        Loss::new(
            LossSpec::CrossEntropy {
                reduction: "mean".into(),
                ignore_index: -100,
                label_smoothing: 0.0,
            },
            None,
            None,
        )
        .expect("the default cross entropy is valid")
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
        match self.spec {
            LossSpec::CrossEntropy { ignore_index, .. } | LossSpec::Nll { ignore_index, .. } => {
                check_class_targets(input, target, ignore_index)
            }
            _ => Ok(()),
        }
    }

    /// `forward` without `check_targets`, for loops that checked their targets once.
    pub fn forward_unchecked(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        let weight = self.weight.as_ref();
        Ok(match self.spec {
            LossSpec::CrossEntropy {
                ignore_index,
                label_smoothing,
                ..
            } => input.f_cross_entropy_loss(
                target,
                weight,
                self.reduction,
                ignore_index,
                label_smoothing,
            )?,
            LossSpec::Nll { ignore_index, .. } => {
                input.f_nll_loss(target, weight, self.reduction, ignore_index)?
            }
            LossSpec::Mse { .. } => input.f_mse_loss(target, self.reduction)?,
            LossSpec::BceWithLogits { .. } => input.f_binary_cross_entropy_with_logits(
                target,
                weight,
                self.pos_weight.as_ref(),
                self.reduction,
            )?,
        })
    }

    /// Classification losses report accuracy (argmax over dim 1).
    pub fn is_classification(&self) -> bool {
        matches!(
            self.spec,
            LossSpec::CrossEntropy { .. } | LossSpec::Nll { .. }
        )
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
    fn loss_specs_are_checked_once_when_made() {
        let smoothing = Loss::new(
            LossSpec::CrossEntropy {
                reduction: "mean".into(),
                ignore_index: -100,
                label_smoothing: 1.5,
            },
            None,
            None,
        );
        assert_eq!(
            smoothing.err().unwrap().to_string(),
            "label_smoothing must be between 0.0 and 1.0. Got: 1.5"
        );
        let mse = || LossSpec::Mse {
            reduction: "sum".into(),
        };
        let weight = Tensor::ones([2], (Kind::Float, Device::Cpu));
        assert_eq!(
            Loss::new(mse(), Some(weight), None)
                .err()
                .unwrap()
                .to_string(),
            "Mse { reduction: \"sum\" } takes no weight tensor"
        );
        let loss = Loss::new(mse(), None, None).unwrap();
        let x = Tensor::from_slice(&[1.0f32, 2.0]);
        let value = loss.forward(&x, &Tensor::zeros([2], (Kind::Float, Device::Cpu)));
        assert_eq!(value.unwrap().double_value(&[]), 5.0);
        assert!(!loss.is_classification());
    }
    #[test]
    fn bad_reduction_is_named() {
        assert_eq!(
            parse_reduction("avg").err().unwrap().to_string(),
            "avg is not a valid value for reduction"
        );
    }
}
