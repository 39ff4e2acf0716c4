//! nn.RNN, nn.LSTM and nn.GRU as torch/nn/modules/rnn.py runs them:
//! RNNBase's constructor checks, its flat-weight names, shapes and init, and
//! a forward that checks its arguments like Python before calling libtorch's
//! fused recurrence (at::rnn_tanh, at::rnn_relu, at::lstm, at::gru with the
//! flat weight list, as `_VF.lstm(...)`), so numbers and gradients are PyTorch's.
use crate::kind::kind_name;
use crate::{Error, Result};
use tch::{Kind, Tensor};

/// A recurrent layer's hyper-parameters, RNNBase's constructor arguments.
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, PartialEq)]
pub struct RnnConfig {
    /// RNNBase's mode: 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'.
    pub mode: String,
    pub input_size: i64,
    pub hidden_size: i64,
    pub num_layers: i64,
    pub bias: bool,
    pub batch_first: bool,
    /// Dropout on the outputs of every layer but the last (training only).
    pub dropout: f64,
    pub bidirectional: bool,
    /// LSTM only: the size h_t is projected to; 0 means no projection.
    pub proj_size: i64,
}

/// One flat weight: its PyTorch name (`weight_ih_l0`, `bias_hh_l1_reverse`) and shape.
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, PartialEq)]
pub struct RnnWeight {
    pub name: String,
    pub shape: Vec<i64>,
}

/// What a forward returns: the last layer's outputs and the final states
/// (`[h_n]`, or `[h_n, c_n]` for an LSTM).
pub struct RnnOutput {
    pub output: Tensor,
    pub hidden: Vec<Tensor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    RnnTanh,
    RnnRelu,
    Lstm,
    Gru,
}

impl Mode {
    fn parse(mode: &str) -> Result<Mode> {
        Ok(match mode {
            "RNN_TANH" => Mode::RnnTanh,
            "RNN_RELU" => Mode::RnnRelu,
            "LSTM" => Mode::Lstm,
            "GRU" => Mode::Gru,
            other => return Err(Error::invalid(format!("Unrecognized RNN mode: {other}"))),
        })
    }

    /// Rows of the gate weights per hidden unit (i, f, g, o for LSTM; r, z, n for GRU).
    fn gates(self) -> i64 {
        match self {
            Mode::RnnTanh | Mode::RnnRelu => 1,
            Mode::Lstm => 4,
            Mode::Gru => 3,
        }
    }
}

fn fail(message: String) -> Result<()> {
    Err(Error::invalid(message))
}

/// Python's repr of a 3-tuple of ints.
fn py_tuple(size: &[i64; 3]) -> String {
    format!("({}, {}, {})", size[0], size[1], size[2])
}

impl RnnConfig {
    /// PyTorch's defaults: one layer, biases, (seq, batch, feature), no dropout.
    pub fn new(mode: &str, input_size: i64, hidden_size: i64) -> Self {
        Self {
            mode: mode.to_string(),
            input_size,
            hidden_size,
            num_layers: 1,
            bias: true,
            batch_first: false,
            dropout: 0.0,
            bidirectional: false,
            proj_size: 0,
        }
    }

    /// RNNBase.__init__'s value checks, in its order and with its messages.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.dropout) {
            fail("dropout should be a number in range [0, 1] representing the probability of an element being zeroed".into())?;
        }
        if self.input_size <= 0 {
            fail("input_size must be greater than zero".into())?;
        }
        if self.hidden_size <= 0 {
            fail("hidden_size must be greater than zero".into())?;
        }
        if self.num_layers <= 0 {
            fail("num_layers must be greater than zero".into())?;
        }
        if self.proj_size < 0 {
            fail("proj_size should be a positive integer or zero to disable projections".into())?;
        }
        if self.proj_size >= self.hidden_size {
            fail("proj_size has to be smaller than hidden_size".into())?;
        }
        let mode = Mode::parse(&self.mode)?;
        if self.proj_size > 0 && mode != Mode::Lstm {
            fail("proj_size argument is only supported for LSTM, not RNN or GRU".into())?;
        }
        Ok(())
    }

    fn num_directions(&self) -> i64 {
        if self.bidirectional {
            2
        } else {
            1
        }
    }

    /// The size of h_t: proj_size when projecting, else hidden_size.
    fn real_hidden_size(&self) -> i64 {
        if self.proj_size > 0 {
            self.proj_size
        } else {
            self.hidden_size
        }
    }

    /// The flat weights in PyTorch's order (per layer, per direction: w_ih,
    /// w_hh, b_ih, b_hh, w_hr), which is also their registration and init order.
    pub fn flat_weights(&self) -> Result<Vec<RnnWeight>> {
        self.validate()?;
        let gate_size = Mode::parse(&self.mode)?.gates() * self.hidden_size;
        let real_hidden = self.real_hidden_size();
        let mut weights = Vec::new();
        for layer in 0..self.num_layers {
            for direction in 0..self.num_directions() {
                let suffix = if direction == 1 { "_reverse" } else { "" };
                let layer_input = if layer == 0 {
                    self.input_size
                } else {
                    real_hidden * self.num_directions()
                };
                let mut push = |kind: &str, shape: Vec<i64>| {
                    weights.push(RnnWeight {
                        name: format!("{kind}_l{layer}{suffix}"),
                        shape,
                    })
                };
                push("weight_ih", vec![gate_size, layer_input]);
                push("weight_hh", vec![gate_size, real_hidden]);
                if self.bias {
                    push("bias_ih", vec![gate_size]);
                    push("bias_hh", vec![gate_size]);
                }
                if self.proj_size > 0 {
                    push("weight_hr", vec![self.proj_size, self.hidden_size]);
                }
            }
        }
        Ok(weights)
    }

    /// `RNNBase.reset_parameters`: every weight U(-1/√hidden, 1/√hidden), in order.
    pub fn reset_parameters(&self, params: &mut [Tensor]) -> Result<()> {
        let stdv = 1.0 / (self.hidden_size as f64).sqrt();
        let _guard = tch::no_grad_guard();
        for param in params {
            let _ = param.f_uniform_(-stdv, stdv)?;
        }
        Ok(())
    }

    fn check_hidden(&self, hx: &Tensor, expected: [i64; 3], what: &str) -> Result<()> {
        let size = hx.size();
        if size != expected {
            fail(format!(
                "Expected {what} size {}, got {size:?}",
                py_tuple(&expected)
            ))?;
        }
        Ok(())
    }

    /// The layer's forward, as RNN/LSTM/GRU.forward (unpacked input): `hx` is
    /// empty (zeros), `[h_0]`, or `[h_0, c_0]` for an LSTM; `params` are the
    /// flat weights in `flat_weights()` order.
    pub fn forward(
        &self,
        input: &Tensor,
        hx: &[Tensor],
        params: &[Tensor],
        training: bool,
    ) -> Result<RnnOutput> {
        let mode = Mode::parse(&self.mode)?;
        let lstm = mode == Mode::Lstm;
        let expected_params = self.flat_weights()?.len();
        if params.len() != expected_params {
            fail(format!(
                "{}: expected {expected_params} flat weights, got {}",
                self.mode,
                params.len()
            ))?;
        }
        let states = if lstm { 2 } else { 1 };
        if !hx.is_empty() && hx.len() != states {
            fail(format!(
                "{}: expected {states} initial state tensor(s), got {}",
                self.mode,
                hx.len()
            ))?;
        }
        let dim = input.dim();
        if dim != 2 && dim != 3 {
            fail(match mode {
                Mode::RnnTanh | Mode::RnnRelu => {
                    format!("RNN: Expected input to be 2D or 3D, got {dim}D tensor instead")
                }
                Mode::Lstm => format!("LSTM: Expected input to be 2D or 3D, got {dim}D instead"),
                Mode::Gru => format!("GRU: Expected input to be 2D or 3D, got {dim}D instead"),
            })?;
        }
        let batched = dim == 3;
        let batch_dim = if self.batch_first { 0 } else { 1 };
        let input = if batched {
            input.shallow_clone()
        } else {
            input.f_unsqueeze(batch_dim)?
        };
        if !hx.is_empty() {
            let (want, shape) = if batched {
                (3, "batched 3-D")
            } else {
                (2, "unbatched 2-D")
            };
            let dims: Vec<usize> = hx.iter().map(Tensor::dim).collect();
            if dims.iter().any(|&d| d != want) {
                fail(if lstm {
                    format!(
                        "For {shape} input, hx and cx should also be {want}-D but got ({}-D, {}-D) tensors",
                        dims[0], dims[1]
                    )
                } else {
                    format!(
                        "For {shape} input, hx should also be {want}-D but got {}-D tensor",
                        dims[0]
                    )
                })?;
            }
        }
        let layers = self.num_layers * self.num_directions();
        let batch = input.size()[batch_dim as usize];
        let h_size = [layers, batch, self.real_hidden_size()];
        let c_size = [layers, batch, self.hidden_size];
        let hx: Vec<Tensor> = if hx.is_empty() {
            let options = (input.kind(), input.device());
            let mut zeros = vec![Tensor::f_zeros(h_size, options)?];
            if lstm {
                zeros.push(Tensor::f_zeros(c_size, options)?);
            }
            zeros
        } else if batched {
            hx.iter().map(Tensor::shallow_clone).collect()
        } else {
            hx.iter()
                .map(|h| h.f_unsqueeze(1))
                .collect::<std::result::Result<_, _>>()?
        };
        self.check_input(&input, params.first())?;
        if lstm {
            self.check_hidden(&hx[0], h_size, "hidden[0]")?;
            self.check_hidden(&hx[1], c_size, "hidden[1]")?;
        } else {
            self.check_hidden(&hx[0], h_size, "hidden")?;
        }
        let (bias, layers, p) = (self.bias, self.num_layers, self.dropout);
        let (bidi, first) = (self.bidirectional, self.batch_first);
        let (output, hidden) = match mode {
            Mode::Lstm => {
                let (o, h, c) =
                    input.f_lstm(&hx, params, bias, layers, p, training, bidi, first)?;
                (o, vec![h, c])
            }
            Mode::Gru => {
                let (o, h) = input.f_gru(&hx[0], params, bias, layers, p, training, bidi, first)?;
                (o, vec![h])
            }
            Mode::RnnTanh => {
                let (o, h) =
                    input.f_rnn_tanh(&hx[0], params, bias, layers, p, training, bidi, first)?;
                (o, vec![h])
            }
            Mode::RnnRelu => {
                let (o, h) =
                    input.f_rnn_relu(&hx[0], params, bias, layers, p, training, bidi, first)?;
                (o, vec![h])
            }
        };
        if batched {
            return Ok(RnnOutput { output, hidden });
        }
        Ok(RnnOutput {
            output: output.f_squeeze_dim(batch_dim)?,
            hidden: hidden
                .iter()
                .map(|h| h.f_squeeze_dim(1))
                .collect::<std::result::Result<_, _>>()?,
        })
    }

    /// RNNBase.check_input: the weights' dtype, then the feature size.
    fn check_input(&self, input: &Tensor, first_weight: Option<&Tensor>) -> Result<()> {
        if let Some(weight) = first_weight {
            let (have, want) = (input.kind(), weight.kind());
            if have != want {
                let (have, want) = (torch_dtype(have), torch_dtype(want));
                fail(format!(
                    "RNN input dtype ({have}) does not match weight dtype ({want}). Convert input: input.to({want}), or convert model: model.to({have})"
                ))?;
            }
        }
        let features = input.size().last().copied().unwrap_or(0);
        if features != self.input_size {
            fail(format!(
                "input.size(-1) must be equal to input_size. Expected {}, got {features}",
                self.input_size
            ))?;
        }
        Ok(())
    }
}

fn torch_dtype(kind: Kind) -> String {
    format!("torch.{}", kind_name(kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    fn params(config: &RnnConfig) -> Vec<Tensor> {
        let mut params: Vec<Tensor> = config
            .flat_weights()
            .unwrap()
            .iter()
            .map(|w| Tensor::zeros(w.shape.as_slice(), (Kind::Float, Device::Cpu)))
            .collect();
        config.reset_parameters(&mut params).unwrap();
        params
    }

    #[test]
    fn flat_weights_follow_pytorch_names_and_shapes() {
        let mut config = RnnConfig::new("LSTM", 3, 5);
        config.num_layers = 2;
        config.bidirectional = true;
        config.proj_size = 2;
        let weights = config.flat_weights().unwrap();
        let names: Vec<&str> = weights.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(
            &names[..5],
            [
                "weight_ih_l0",
                "weight_hh_l0",
                "bias_ih_l0",
                "bias_hh_l0",
                "weight_hr_l0"
            ]
        );
        assert_eq!(names[5], "weight_ih_l0_reverse");
        assert_eq!(weights[10].name, "weight_ih_l1");
        assert_eq!(weights[10].shape, vec![20, 4]);
        assert_eq!(weights[1].shape, vec![20, 2]);
        assert_eq!(weights[4].shape, vec![2, 5]);
    }

    #[test]
    fn validate_uses_pytorch_messages() {
        let mut config = RnnConfig::new("GRU", 3, 5);
        config.proj_size = 2;
        let err = config.validate().unwrap_err().to_string();
        assert_eq!(
            err,
            "proj_size argument is only supported for LSTM, not RNN or GRU"
        );
        config.proj_size = 5;
        assert_eq!(
            config.validate().unwrap_err().to_string(),
            "proj_size has to be smaller than hidden_size"
        );
        let bad = RnnConfig::new("CELL", 3, 5)
            .validate()
            .unwrap_err()
            .to_string();
        assert_eq!(bad, "Unrecognized RNN mode: CELL");
    }

    #[test]
    fn forward_shapes_and_checks() {
        let config = RnnConfig::new("LSTM", 3, 4);
        let params = params(&config);
        let x = Tensor::zeros([6, 2, 3], (Kind::Float, Device::Cpu));
        let out = config.forward(&x, &[], &params, false).unwrap();
        assert_eq!(out.output.size(), vec![6, 2, 4]);
        assert_eq!(out.hidden[1].size(), vec![1, 2, 4]);
        let unbatched = config.forward(&x.get(0), &[], &params, false).unwrap();
        assert_eq!(unbatched.output.size(), vec![2, 4]);
        assert_eq!(unbatched.hidden[0].size(), vec![1, 4]);
        let h = Tensor::zeros([1, 3, 4], (Kind::Float, Device::Cpu));
        let err = config
            .forward(&x, &[h.shallow_clone(), h], &params, false)
            .err()
            .unwrap()
            .to_string();
        assert_eq!(err, "Expected hidden[0] size (1, 2, 4), got [1, 3, 4]");
        let wide = Tensor::zeros([6, 2, 5], (Kind::Float, Device::Cpu));
        let err = config
            .forward(&wide, &[], &params, false)
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            err,
            "input.size(-1) must be equal to input_size. Expected 3, got 5"
        );
    }
}
