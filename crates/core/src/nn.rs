//! Built-in layers and losses as plain data over tch tensors. The eager API
//! (one native call per layer) and fused training (the whole loop in Rust)
//! both run these, so both give the same numbers.
use crate::{Error, Result};
use tch::{Device, Kind, Reduction, Tensor};

// Adding a built-in layer: a variant here, its arms in this file, and its
// TS class's `_layerSpecs`.
/// A built-in layer as JavaScript describes it: plain data. Its parameters
/// travel beside it, in order (a Linear takes its weight, then its bias).
#[cfg_attr(feature = "napi", napi_derive::napi(discriminant = "type"))]
#[derive(Debug, Clone, PartialEq)]
pub enum LayerSpec {
    Linear { bias: bool },
    ReLU,
    Sigmoid,
    Tanh,
    Identity,
    Softmax { dim: i64 },
    LogSoftmax { dim: i64 },
    Flatten { start_dim: i64, end_dim: i64 },
    Dropout { p: f64 },
}

impl LayerSpec {
    /// How many parameter tensors the layer takes.
    pub fn parameter_count(&self) -> usize {
        match self {
            LayerSpec::Linear { bias } => 1 + usize::from(*bias),
            _ => 0,
        }
    }

    /// PyTorch's checks of the layer's own values (shapes are libtorch's).
    pub fn validate(&self) -> Result<()> {
        match self {
            LayerSpec::Dropout { p } => check_dropout_probability(*p),
            _ => Ok(()),
        }
    }
}

/// nn.Dropout's check, with its message.
pub fn check_dropout_probability(p: f64) -> Result<()> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "dropout probability has to be between 0 and 1, but got {p}"
        )))
    }
}

/// A built-in layer: its spec and its parameters, shallow clones sharing
/// storage with the tensors the JS side holds, so in-place updates are seen
/// by both.
pub struct Layer {
    pub spec: LayerSpec,
    pub params: Vec<Tensor>,
}

impl Layer {
    /// A layer from its spec, taking its parameters from `params` in order.
    pub fn new(spec: LayerSpec, params: &mut dyn Iterator<Item = Tensor>) -> Result<Layer> {
        spec.validate()?;
        let wanted = spec.parameter_count();
        let taken: Vec<Tensor> = params.take(wanted).collect();
        if taken.len() != wanted {
            return Err(Error::invalid(format!(
                "{spec:?} takes {wanted} parameter tensor(s), {} left",
                taken.len()
            )));
        }
        Ok(Layer {
            spec,
            params: taken,
        })
    }

    pub fn linear(weight: Tensor, bias: Option<Tensor>) -> Layer {
        let spec = LayerSpec::Linear {
            bias: bias.is_some(),
        };
        Layer {
            spec,
            params: std::iter::once(weight).chain(bias).collect(),
        }
    }

    /// A layer without parameters (ReLU, Flatten, ...).
    pub fn stateless(spec: LayerSpec) -> Layer {
        debug_assert_eq!(spec.parameter_count(), 0);
        Layer {
            spec,
            params: vec![],
        }
    }

    pub fn forward(&self, x: &Tensor, training: bool) -> Result<Tensor> {
        Ok(match &self.spec {
            LayerSpec::Linear { .. } => x.f_linear(&self.params[0], self.params.get(1))?,
            LayerSpec::ReLU => x.f_relu()?,
            LayerSpec::Sigmoid => x.f_sigmoid()?,
            LayerSpec::Tanh => x.f_tanh()?,
            LayerSpec::Identity => x.shallow_clone(),
            LayerSpec::Softmax { dim } => x.f_softmax(*dim, None::<Kind>)?,
            LayerSpec::LogSoftmax { dim } => x.f_log_softmax(*dim, None::<Kind>)?,
            LayerSpec::Flatten { start_dim, end_dim } => x.f_flatten(*start_dim, *end_dim)?,
            LayerSpec::Dropout { p } => x.f_dropout(*p, training)?,
        })
    }

    pub fn parameters(&self) -> impl Iterator<Item = &Tensor> {
        self.params.iter()
    }
}

/// `nn.Sequential` of built-in layers.
pub struct Sequential {
    pub layers: Vec<Layer>,
}

impl Sequential {
    /// The model JavaScript describes: layer specs, and all their parameters in order.
    pub fn from_specs(specs: Vec<LayerSpec>, params: Vec<Tensor>) -> Result<Sequential> {
        let count = params.len();
        let mut params = params.into_iter();
        let layers = specs
            .into_iter()
            .map(|spec| Layer::new(spec, &mut params))
            .collect::<Result<Vec<_>>>()?;
        if params.next().is_some() {
            return Err(Error::invalid(format!(
                "{count} parameter tensors given, the layers take fewer"
            )));
        }
        Ok(Sequential { layers })
    }

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
    use tch::Device;

    #[test]
    fn sequential_forward_shapes() {
        let w = Tensor::ones([3, 2], (Kind::Float, Device::Cpu));
        let b = Tensor::zeros([3], (Kind::Float, Device::Cpu));
        let model = Sequential {
            layers: vec![Layer::linear(w, Some(b)), Layer::stateless(LayerSpec::ReLU)],
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
    fn specs_take_their_parameters_in_order_and_count_them() {
        let w = || Tensor::ones([3, 2], (Kind::Float, Device::Cpu));
        let b = || Tensor::zeros([3], (Kind::Float, Device::Cpu));
        let specs = vec![
            LayerSpec::Linear { bias: true },
            LayerSpec::Softmax { dim: 1 },
            LayerSpec::Linear { bias: false },
        ];
        let model = Sequential::from_specs(specs.clone(), vec![w(), b(), w()]);
        let model = model.unwrap();
        assert_eq!(model.layers.len(), 3);
        assert_eq!(model.parameters().len(), 3);
        assert_eq!(model.layers[2].spec, LayerSpec::Linear { bias: false });
        let missing = Sequential::from_specs(specs.clone(), vec![w(), b()])
            .err()
            .unwrap();
        assert_eq!(
            missing.to_string(),
            "Linear { bias: false } takes 1 parameter tensor(s), 0 left"
        );
        let extra = Sequential::from_specs(specs, vec![w(), b(), w(), b()])
            .err()
            .unwrap();
        assert_eq!(
            extra.to_string(),
            "4 parameter tensors given, the layers take fewer"
        );
        let dropout = Sequential::from_specs(vec![LayerSpec::Dropout { p: 1.5 }], vec![]);
        assert_eq!(
            dropout.err().unwrap().to_string(),
            "dropout probability has to be between 0 and 1, but got 1.5"
        );
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
