//! Built-in layers and losses as plain data over tch tensors. The eager API
//! (one native call per layer) and fused training (the whole loop in Rust)
//! both run these, so both give the same numbers.
use crate::{Error, Result};
use tch::{Kind, Tensor};

pub mod attention;
pub mod functional;
pub mod rnn;

// Adding a built-in layer: a variant here, its arms in this file, and its
// TS class's `_layerSpecs`.
/// A built-in layer as JavaScript describes it: plain data. Its parameters
/// travel beside it, in order (a Linear takes its weight, then its bias).
#[cfg_attr(feature = "napi", napi_derive::napi(discriminant = "type"))]
#[derive(Debug, Clone, PartialEq)]
pub enum LayerSpec {
    Linear {
        bias: bool,
    },
    ReLU,
    Sigmoid,
    Tanh,
    Identity,
    Softmax {
        dim: i64,
    },
    LogSoftmax {
        dim: i64,
    },
    Flatten {
        start_dim: i64,
        end_dim: i64,
    },
    Dropout {
        p: f64,
    },
    /// nn.Conv1d / nn.Conv2d (by the kernel's length); takes weight, then bias.
    Conv {
        in_channels: i64,
        out_channels: i64,
        kernel_size: Vec<i64>,
        stride: Vec<i64>,
        padding: Vec<i64>,
        /// 'same' or 'valid' when padding was given as a string.
        padding_string: Option<String>,
        dilation: Vec<i64>,
        groups: i64,
        bias: bool,
    },
    /// nn.ConvTranspose1d / nn.ConvTranspose2d (by the kernel's length);
    /// takes weight, then bias.
    ConvTranspose {
        in_channels: i64,
        out_channels: i64,
        kernel_size: Vec<i64>,
        stride: Vec<i64>,
        padding: Vec<i64>,
        output_padding: Vec<i64>,
        groups: i64,
        dilation: Vec<i64>,
        bias: bool,
    },
    /// nn.MaxPool1d / nn.MaxPool2d (by the kernel's length).
    MaxPool {
        kernel_size: Vec<i64>,
        stride: Vec<i64>,
        padding: Vec<i64>,
        dilation: Vec<i64>,
        ceil_mode: bool,
    },
    AvgPool2d {
        kernel_size: Vec<i64>,
        stride: Vec<i64>,
        padding: Vec<i64>,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: Option<i64>,
    },
    /// A missing size keeps the input's size in that dim.
    AdaptiveAvgPool2d {
        output_size: Vec<Option<i64>>,
    },
    /// Takes weight, then bias, when elementwise_affine (bias only if `bias`).
    LayerNorm {
        normalized_shape: Vec<i64>,
        eps: f64,
        elementwise_affine: bool,
        bias: bool,
    },
    /// Takes weight, then bias, when affine.
    GroupNorm {
        num_groups: i64,
        num_channels: i64,
        eps: f64,
        affine: bool,
    },
    /// Takes the weight; `padding_idx` is already normalised (-1: none).
    Embedding {
        padding_idx: i64,
        scale_grad_by_freq: bool,
    },
    GELU {
        approximate: String,
    },
    LeakyReLU {
        negative_slope: f64,
    },
    SiLU,
    ELU {
        alpha: f64,
    },
    Softplus {
        beta: f64,
        threshold: f64,
    },
    Hardtanh {
        min_val: f64,
        max_val: f64,
    },
    Unflatten {
        dim: i64,
        sizes: Vec<i64>,
    },
}

impl LayerSpec {
    /// How many parameter tensors the layer takes.
    pub fn parameter_count(&self) -> usize {
        match self {
            LayerSpec::Linear { bias }
            | LayerSpec::Conv { bias, .. }
            | LayerSpec::ConvTranspose { bias, .. } => 1 + usize::from(*bias),
            LayerSpec::GroupNorm { affine, .. } => 2 * usize::from(*affine),
            LayerSpec::LayerNorm {
                elementwise_affine,
                bias,
                ..
            } => usize::from(*elementwise_affine) * (1 + usize::from(*bias)),
            LayerSpec::Embedding { .. } => 1,
            _ => 0,
        }
    }

    /// PyTorch's checks of the layer's own values (shapes are libtorch's).
    pub fn validate(&self) -> Result<()> {
        match self {
            LayerSpec::Dropout { p } => check_dropout_probability(*p),
            LayerSpec::Conv {
                in_channels,
                out_channels,
                kernel_size,
                stride,
                padding,
                padding_string,
                dilation,
                groups,
                ..
            } => check_conv(
                *in_channels,
                *out_channels,
                [kernel_size, stride, padding, dilation],
                padding_string.as_deref(),
                *groups,
            ),
            LayerSpec::ConvTranspose {
                in_channels,
                out_channels,
                kernel_size,
                stride,
                padding,
                output_padding,
                dilation,
                groups,
                ..
            } => check_conv(
                *in_channels,
                *out_channels,
                [kernel_size, stride, padding, dilation],
                None,
                *groups,
            )
            .and_then(|()| check_same_length("output_padding", kernel_size, output_padding)),
            LayerSpec::GroupNorm {
                num_groups,
                num_channels,
                ..
            } => check_group_norm(*num_groups, *num_channels),
            LayerSpec::Hardtanh { min_val, max_val } if max_val <= min_val => Err(Error::invalid(
                format!("Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})"),
            )),
            _ => Ok(()),
        }
    }
}

/// nn.Conv's constructor checks (`_ConvNd.__init__`), with PyTorch's messages.
fn check_conv(
    in_channels: i64,
    out_channels: i64,
    sizes: [&Vec<i64>; 4],
    padding_string: Option<&str>,
    groups: i64,
) -> Result<()> {
    let [kernel_size, stride, padding, dilation] = sizes;
    if groups <= 0 {
        return Err(Error::invalid("groups must be a positive integer"));
    }
    if in_channels % groups != 0 {
        return Err(Error::invalid("in_channels must be divisible by groups"));
    }
    if out_channels % groups != 0 {
        return Err(Error::invalid("out_channels must be divisible by groups"));
    }
    match padding_string {
        None | Some("valid") => {}
        Some("same") => {
            if stride.iter().any(|&s| s != 1) {
                return Err(Error::invalid(
                    "padding='same' is not supported for strided convolutions",
                ));
            }
        }
        Some(other) => {
            return Err(Error::invalid(format!(
                "Invalid padding string '{other}', should be one of {{'same', 'valid'}}"
            )))
        }
    }
    let dims = kernel_size.len();
    if !(1..=2).contains(&dims)
        || [stride, dilation].iter().any(|v| v.len() != dims)
        || (padding_string.is_none() && padding.len() != dims)
    {
        return Err(Error::invalid(format!(
            "conv: kernel_size, stride, padding and dilation must each have 1 or 2 elements alike, got {kernel_size:?}, {stride:?}, {padding:?}, {dilation:?}"
        )));
    }
    Ok(())
}

fn check_same_length(name: &str, kernel_size: &[i64], values: &[i64]) -> Result<()> {
    if values.len() == kernel_size.len() {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "conv_transpose: {name} must have {} elements, got {values:?}",
            kernel_size.len()
        )))
    }
}

/// nn.GroupNorm's constructor check, with PyTorch's messages (Python's `%`
/// by zero included).
pub fn check_group_norm(num_groups: i64, num_channels: i64) -> Result<()> {
    if num_groups == 0 {
        return Err(Error::invalid("integer modulo by zero"));
    }
    // Python's `%` takes the divisor's sign, so only its zero test matters here.
    if num_channels % num_groups != 0 {
        return Err(Error::invalid(format!(
            "num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
        )));
    }
    Ok(())
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
            LayerSpec::Conv {
                stride,
                padding,
                padding_string,
                dilation,
                groups,
                ..
            } => functional::conv(
                x,
                &self.params[0],
                self.params.get(1),
                stride,
                padding,
                padding_string.as_deref(),
                dilation,
                *groups,
            )?,
            LayerSpec::ConvTranspose {
                stride,
                padding,
                output_padding,
                groups,
                dilation,
                ..
            } => functional::conv_transpose(
                x,
                &self.params[0],
                self.params.get(1),
                stride,
                padding,
                output_padding,
                *groups,
                dilation,
            )?,
            LayerSpec::MaxPool {
                kernel_size,
                stride,
                padding,
                dilation,
                ceil_mode,
            } => functional::max_pool(x, kernel_size, stride, padding, dilation, *ceil_mode)?,
            LayerSpec::AvgPool2d {
                kernel_size,
                stride,
                padding,
                ceil_mode,
                count_include_pad,
                divisor_override,
            } => functional::avg_pool2d(
                x,
                kernel_size,
                stride,
                padding,
                *ceil_mode,
                *count_include_pad,
                *divisor_override,
            )?,
            LayerSpec::AdaptiveAvgPool2d { output_size } => {
                functional::adaptive_avg_pool2d(x, output_size)?
            }
            LayerSpec::LayerNorm {
                normalized_shape,
                eps,
                ..
            } => functional::layer_norm(
                x,
                normalized_shape,
                self.params.first(),
                self.params.get(1),
                *eps,
            )?,
            LayerSpec::GroupNorm {
                num_groups, eps, ..
            } => functional::group_norm(
                x,
                *num_groups,
                self.params.first(),
                self.params.get(1),
                *eps,
            )?,
            LayerSpec::Embedding {
                padding_idx,
                scale_grad_by_freq,
            } => {
                functional::embedding(x, &self.params[0], *padding_idx, *scale_grad_by_freq, false)?
            }
            LayerSpec::GELU { approximate } => functional::gelu(x, approximate)?,
            LayerSpec::LeakyReLU { negative_slope } => functional::leaky_relu(x, *negative_slope)?,
            LayerSpec::SiLU => functional::silu(x)?,
            LayerSpec::ELU { alpha } => functional::elu(x, *alpha)?,
            LayerSpec::Softplus { beta, threshold } => functional::softplus(x, *beta, *threshold)?,
            LayerSpec::Hardtanh { min_val, max_val } => {
                functional::hardtanh(x, *min_val, *max_val)?
            }
            LayerSpec::Unflatten { dim, sizes } => x.f_unflatten(*dim, sizes.as_slice())?,
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
        let group_norm = LayerSpec::GroupNorm {
            num_groups: 3,
            num_channels: 4,
            eps: 1e-5,
            affine: false,
        };
        assert_eq!(
            group_norm.validate().err().unwrap().to_string(),
            "num_channels (4) must be divisible by num_groups (3)"
        );
        let dropout = Sequential::from_specs(vec![LayerSpec::Dropout { p: 1.5 }], vec![]);
        assert_eq!(
            dropout.err().unwrap().to_string(),
            "dropout probability has to be between 0 and 1, but got 1.5"
        );
    }
}
