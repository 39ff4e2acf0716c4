//! Losses as JavaScript describes them (LossSpec) and as the engine runs
//! them (Loss), with PyTorch's options, checks and messages. The eager API
//! (one native call per loss) and the training loop run the same code.
use crate::kind::kind_name;
use crate::scalar::number_tensor;
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
    /// `binary_cross_entropy`: probabilities in [0, 1] against targets of the same size.
    Bce {
        reduction: String,
    },
    L1 {
        reduction: String,
    },
    SmoothL1 {
        reduction: String,
        beta: f64,
    },
    Huber {
        reduction: String,
        delta: f64,
    },
    /// `kl_div`; the reduction may also be `batchmean` (sum over batch size).
    KlDiv {
        reduction: String,
        log_target: bool,
    },
    SoftMargin {
        reduction: String,
    },
    PoissonNll {
        reduction: String,
        log_input: bool,
        full: bool,
        eps: f64,
    },
}

impl LossSpec {
    fn reduction_name(&self) -> &str {
        match self {
            LossSpec::CrossEntropy { reduction, .. }
            | LossSpec::Nll { reduction, .. }
            | LossSpec::Mse { reduction }
            | LossSpec::BceWithLogits { reduction }
            | LossSpec::Bce { reduction }
            | LossSpec::L1 { reduction }
            | LossSpec::SmoothL1 { reduction, .. }
            | LossSpec::Huber { reduction, .. }
            | LossSpec::KlDiv { reduction, .. }
            | LossSpec::SoftMargin { reduction }
            | LossSpec::PoissonNll { reduction, .. } => reduction,
        }
    }

    /// Losses whose PyTorch function takes `weight`; for Mse, L1 and Huber
    /// only the functional form does (elementwise weights of input's size).
    fn takes_weight(&self) -> bool {
        matches!(
            self,
            LossSpec::CrossEntropy { .. }
                | LossSpec::Nll { .. }
                | LossSpec::BceWithLogits { .. }
                | LossSpec::Bce { .. }
                | LossSpec::Mse { .. }
                | LossSpec::L1 { .. }
                | LossSpec::Huber { .. }
        )
    }
}

/// A loss function with PyTorch's options, checked once when made.
pub struct Loss {
    spec: LossSpec,
    reduction: Reduction,
    /// KLDivLoss's `batchmean`: the sum divided by the batch size.
    batchmean: bool,
    weight: Option<Tensor>,
    pos_weight: Option<Tensor>,
}

impl Loss {
    /// PyTorch's checks and messages: the reduction name, label smoothing in
    /// [0, 1], and class weights only for the losses that take them.
    pub fn new(spec: LossSpec, weight: Option<Tensor>, pos_weight: Option<Tensor>) -> Result<Loss> {
        let batchmean =
            matches!(spec, LossSpec::KlDiv { .. }) && spec.reduction_name() == "batchmean";
        let reduction = match spec.reduction_name() {
            // Python's weighted mse/l1/huber branch names the reduction its own way.
            name if weight.is_some()
                && matches!(
                    spec,
                    LossSpec::Mse { .. } | LossSpec::L1 { .. } | LossSpec::Huber { .. }
                )
                && parse_reduction(name).is_err() =>
            {
                return Err(Error::invalid(format!(
                    "Invalid reduction mode: {name}. Expected one of 'none', 'mean', 'sum'."
                )))
            }
            _ if batchmean => Reduction::Sum,
            name => parse_reduction(name)?,
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
        let takes_weight = spec.takes_weight();
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
            batchmean,
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
        let on_cpu = input.device() == Device::Cpu;
        if !on_cpu {
            self.check_targets(input, target)?;
        }
        self.forward_unchecked(input, target).or_else(|err| {
            if on_cpu {
                self.check_targets(input, target)?;
            }
            Err(self.explain_target_dtype(err, input, target))
        })
    }

    /// A target of the wrong dtype gets libtorch's message ("expected scalar
    /// type Long but found Float") plus which tensor is wrong and the fix:
    /// the usual cause is `torch.tensor` inferring int64 from whole numbers,
    /// or float32 labels read from a Float32Array.
    fn explain_target_dtype(&self, err: Error, input: &Tensor, target: &Tensor) -> Error {
        let Error::Torch { summary, detail } = err else {
            return err;
        };
        let classification = self.is_classification();
        let hint = if classification && target.is_floating_point() && target.size() != input.size()
        {
            format!(
                "the target holds class indices (shape {}) but has dtype {}; class indices must be int64 (call target.long()), class probabilities must have the input's shape {}",
                torch_size(&target.size()),
                kind_name(target.kind()),
                torch_size(&input.size())
            )
        } else if !classification && input.is_floating_point() && !target.is_floating_point() {
            format!(
                "the target has dtype {} but this loss needs a floating-point target like its input ({}); torch.tensor makes int64 from whole numbers: pass {{ dtype: torch.float32 }} or call target.float()",
                kind_name(target.kind()),
                kind_name(input.kind())
            )
        } else {
            return Error::Torch { summary, detail };
        };
        Error::Torch {
            summary: format!("{summary}: {hint}"),
            detail,
        }
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
            LossSpec::Mse { .. } => {
                let size = input.size();
                let (input, target) = broadcast(input, target)?;
                match weight {
                    Some(w) => {
                        self.weighted(input.f_sub(&target)?.f_pow_tensor_scalar(2)?, w, size)?
                    }
                    None => input.f_mse_loss(&target, self.reduction)?,
                }
            }
            LossSpec::BceWithLogits { .. } => input.f_binary_cross_entropy_with_logits(
                target,
                weight,
                self.pos_weight.as_ref(),
                self.reduction,
            )?,
            LossSpec::Bce { .. } => {
                if target.size() != input.size() {
                    return Err(Error::invalid(format!(
                        "Using a target size ({}) that is different to the input size ({}) is deprecated. Please ensure they have the same size.",
                        torch_size(&target.size()),
                        torch_size(&input.size())
                    )));
                }
                let weight = match weight {
                    Some(w) => Some(w.f_expand(infer_size(&target.size(), &w.size())?, false)?),
                    None => None,
                };
                input.f_binary_cross_entropy(target, weight.as_ref(), self.reduction)?
            }
            LossSpec::L1 { .. } => {
                let size = input.size();
                let (input, target) = broadcast(input, target)?;
                match weight {
                    Some(w) => self.weighted(input.f_sub(&target)?.f_abs()?, w, size)?,
                    None => input.f_l1_loss(&target, self.reduction)?,
                }
            }
            LossSpec::SmoothL1 { beta, .. } => {
                let (input, target) = broadcast(input, target)?;
                if beta == 0.0 {
                    input.f_l1_loss(&target, self.reduction)?
                } else {
                    input.f_smooth_l1_loss(&target, self.reduction, beta)?
                }
            }
            LossSpec::Huber { delta, .. } => {
                let size = input.size();
                let (input, target) = broadcast(input, target)?;
                match weight {
                    Some(w) => {
                        check_weight_size(w, &size)?;
                        let loss = input
                            .f_huber_loss(&target, Reduction::None, delta)?
                            .f_mul(w)?;
                        match self.reduction {
                            Reduction::None => loss,
                            Reduction::Sum => loss.f_sum(None::<Kind>)?,
                            _ => loss.f_mean(None::<Kind>)?,
                        }
                    }
                    None => input.f_huber_loss(&target, self.reduction, delta)?,
                }
            }
            LossSpec::KlDiv { log_target, .. } => {
                let reduced = input.f_kl_div(target, self.reduction, log_target)?;
                if self.batchmean && input.dim() != 0 {
                    let batch = number_tensor(&reduced, input.size()[0] as f64)?;
                    reduced.f_div(&batch)?
                } else {
                    reduced
                }
            }
            LossSpec::SoftMargin { .. } => input.f_soft_margin_loss(target, self.reduction)?,
            LossSpec::PoissonNll {
                log_input,
                full,
                eps,
                ..
            } => input.f_poisson_nll_loss(target, log_input, full, eps, self.reduction)?,
        })
    }

    /// Python's weighted mse/l1 branch: elementwise errors times the weight;
    /// `mean` divides by the weights' sum.
    fn weighted(&self, errors: Tensor, weight: &Tensor, input_size: Vec<i64>) -> Result<Tensor> {
        check_weight_size(weight, &input_size)?;
        let weighted = errors.f_mul(weight)?;
        Ok(match self.reduction {
            Reduction::None => weighted,
            Reduction::Sum => weighted.f_sum(None::<Kind>)?,
            _ => weighted
                .f_sum(None::<Kind>)?
                .f_div(&weight.f_sum(None::<Kind>)?)?,
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

/// `cosine_embedding_loss(input1, input2, target, margin)`: its forward takes
/// three tensors, so it runs eagerly only (fit's loop is (output, target)).
pub fn cosine_embedding(
    input1: &Tensor,
    input2: &Tensor,
    target: &Tensor,
    margin: f64,
    reduction: &str,
) -> Result<Tensor> {
    let reduction = parse_reduction(reduction)?;
    Ok(Tensor::f_cosine_embedding_loss(
        input1, input2, target, margin, reduction,
    )?)
}

/// `margin_ranking_loss(input1, input2, target, margin)`, eager only (three inputs).
pub fn margin_ranking(
    input1: &Tensor,
    input2: &Tensor,
    target: &Tensor,
    margin: f64,
    reduction: &str,
) -> Result<Tensor> {
    let reduction = parse_reduction(reduction)?;
    if input1.dim() != input2.dim() || input1.dim() != target.dim() {
        return Err(Error::invalid(format!(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: {}, input2: {}, target: {} ",
            torch_size(&input1.size()),
            torch_size(&input2.size()),
            torch_size(&target.size())
        )));
    }
    Ok(Tensor::f_margin_ranking_loss(
        input1, input2, target, margin, reduction,
    )?)
}

/// The variance of `gaussian_nll_loss`: a tensor, or a number for every element.
pub enum Variance<'a> {
    Tensor(&'a Tensor),
    Number(f64),
}

/// `gaussian_nll_loss(input, target, var)` with Python's op sequence and
/// messages, eager only (three inputs).
pub fn gaussian_nll(
    input: &Tensor,
    target: &Tensor,
    var: Variance,
    full: bool,
    eps: f64,
    reduction: &str,
) -> Result<Tensor> {
    let negative = || Error::invalid("var has negative entry/entries");
    let mut var = match var {
        Variance::Number(v) if v < 0.0 => return Err(negative()),
        Variance::Number(v) => input.f_ones_like()?.f_mul(&number_tensor(input, v)?)?,
        Variance::Tensor(v) => {
            if v.f_lt(0)?.f_any()?.f_int64_value(&[])? != 0 {
                return Err(negative());
            }
            v.shallow_clone()
        }
    };
    let (input_size, var_size) = (input.size(), var.size());
    if var_size != input_size {
        let one_mismatch = input_size.len() == var_size.len()
            && input_size
                .iter()
                .zip(&var_size)
                .filter(|(x, y)| x != y)
                .map(|(_, y)| *y)
                .sum::<i64>()
                == 1;
        if input_size.len() == var_size.len() + 1 && input_size[..var_size.len()] == var_size[..] {
            var = var.f_unsqueeze(-1)?; // homoscedastic: one variance per row
        } else if !one_mismatch {
            return Err(Error::invalid("var is of incorrect size"));
        }
    }
    if !matches!(reduction, "none" | "mean" | "sum") {
        return Err(Error::invalid(format!("{reduction} is not valid")));
    }
    // Python's var.clone(); libtorch's C API has no plain clone, `to(copy=True)` is one.
    let mut var = var.f_to_dtype_layout((var.kind(), var.device()), false, true)?;
    {
        let _guard = tch::no_grad_guard();
        let _ = var.f_clamp_min_(eps)?;
    }
    let squared = input.f_sub(target)?.f_pow_tensor_scalar(2)?;
    let sum = var.f_log()?.f_add(&squared.f_div(&var)?)?;
    let mut loss = sum.f_mul(&number_tensor(&sum, 0.5)?)?;
    if full {
        let constant = number_tensor(&loss, 0.5 * (2.0 * std::f64::consts::PI).ln())?;
        let _ = loss.f_add_(&constant)?;
    }
    Ok(match reduction {
        "mean" => loss.f_mean(None::<Kind>)?,
        "sum" => loss.f_sum(None::<Kind>)?,
        _ => loss,
    })
}

/// `torch.broadcast_tensors(input, target)`, as Python's regression losses do first.
fn broadcast(input: &Tensor, target: &Tensor) -> Result<(Tensor, Tensor)> {
    let mut both = Tensor::f_broadcast_tensors(&[input, target])?;
    let target = both.pop().expect("two tensors");
    let input = both.pop().expect("two tensors");
    Ok((input, target))
}

fn check_weight_size(weight: &Tensor, input_size: &[i64]) -> Result<()> {
    if weight.size() != input_size {
        return Err(Error::invalid("Weights and input must have the same size."));
    }
    Ok(())
}

/// A shape as Python prints it: `torch.Size([2, 3])`.
pub fn torch_size(size: &[i64]) -> String {
    let dims: Vec<String> = size.iter().map(i64::to_string).collect();
    format!("torch.Size([{}])", dims.join(", "))
}

/// `torch._C._infer_size`: the broadcast shape of two sizes, with libtorch's message.
pub fn infer_size(a: &[i64], b: &[i64]) -> Result<Vec<i64>> {
    let ndim = a.len().max(b.len());
    // Sizes aligned from the right; a missing leading dimension is 1.
    let at = |size: &[i64], offset: usize| {
        if offset < size.len() {
            size[size.len() - 1 - offset]
        } else {
            1
        }
    };
    (0..ndim)
        .map(|i| {
            let offset = ndim - 1 - i;
            let (size_a, size_b) = (at(a, offset), at(b, offset));
            if size_a != size_b && size_a != 1 && size_b != 1 {
                return Err(Error::invalid(format!(
                    "The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at non-singleton dimension {i}"
                )));
            }
            Ok(if size_a == 1 { size_b } else { size_a })
        })
        .collect()
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
    fn a_target_of_the_wrong_dtype_names_the_target_and_the_fix() {
        let logits = Tensor::zeros([3, 2], (Kind::Float, Device::Cpu));
        let float_labels = Tensor::from_slice(&[0.0f32, 1.0, 1.0]);
        let message = Loss::cross_entropy()
            .forward(&logits, &float_labels)
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("expected scalar type Long but found Float: the target holds class indices (shape torch.Size([3])) but has dtype float32"), "{message}");
        let bce = Loss::new(
            LossSpec::BceWithLogits {
                reduction: "mean".into(),
            },
            None,
            None,
        )
        .unwrap();
        let int_targets = Tensor::zeros([3, 2], (Kind::Int64, Device::Cpu));
        let message = bce.forward(&logits, &int_targets).unwrap_err().to_string();
        assert!(message.contains("the target has dtype int64 but this loss needs a floating-point target like its input (float32)"), "{message}");
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
        let soft_margin = LossSpec::SoftMargin {
            reduction: "sum".into(),
        };
        assert_eq!(
            Loss::new(soft_margin, Some(weight), None)
                .err()
                .unwrap()
                .to_string(),
            "SoftMargin { reduction: \"sum\" } takes no weight tensor"
        );
        let loss = Loss::new(mse(), None, None).unwrap();
        let x = Tensor::from_slice(&[1.0f32, 2.0]);
        let value = loss.forward(&x, &Tensor::zeros([2], (Kind::Float, Device::Cpu)));
        assert_eq!(value.unwrap().double_value(&[]), 5.0);
        assert!(!loss.is_classification());
    }
    #[test]
    fn infer_size_broadcasts_with_libtorchs_message() {
        assert_eq!(infer_size(&[4, 3], &[3]).unwrap(), vec![4, 3]);
        assert_eq!(infer_size(&[1], &[2, 1]).unwrap(), vec![2, 1]);
        assert_eq!(
            infer_size(&[4, 3], &[5]).err().unwrap().to_string(),
            "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1"
        );
        assert_eq!(torch_size(&[4, 3]), "torch.Size([4, 3])");
        assert_eq!(torch_size(&[]), "torch.Size([])");
    }
    #[test]
    fn bad_reduction_is_named() {
        assert_eq!(
            parse_reduction("avg").err().unwrap().to_string(),
            "avg is not a valid value for reduction"
        );
    }
}
