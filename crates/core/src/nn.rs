//! Built-in layers and losses as plain data over tch tensors. The eager API
//! (one native call per layer) and fused training (the whole loop in Rust)
//! both run these, so both give the same numbers.
use crate::{Error, Result};
use tch::{Kind, Tensor};

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
}
