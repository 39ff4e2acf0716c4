//! Parameter initialisation exactly as torch.nn.init does it, so the same
//! manual_seed gives the same numbers as Python (same draws, same order,
//! same double-precision bounds).
use crate::Result;
use tch::Tensor;

/// `torch.nn.init.calculate_gain('leaky_relu', a)`.
fn leaky_relu_gain(negative_slope: f64) -> f64 {
    (2.0 / (1.0 + negative_slope.powf(2.0))).sqrt()
}

fn fan_in(weight: &Tensor) -> i64 {
    let size = weight.size();
    let receptive: i64 = size.iter().skip(2).product();
    if size.len() < 2 {
        0
    } else {
        size[1] * receptive
    }
}

/// `init.kaiming_uniform_(w, a)`: U(-bound, bound), bound = sqrt(3) * gain / sqrt(fan_in).
pub fn kaiming_uniform_(weight: &mut Tensor, a: f64) -> Result<()> {
    let std = leaky_relu_gain(a) / (fan_in(weight) as f64).sqrt();
    let bound = 3.0f64.sqrt() * std;
    let _guard = tch::no_grad_guard();
    let _ = weight.f_uniform_(-bound, bound)?;
    Ok(())
}

/// `nn.Linear.reset_parameters`: weight by kaiming_uniform_(a=sqrt(5)), then
/// bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)); weight is drawn first.
pub fn linear_reset_parameters(weight: &mut Tensor, bias: Option<&mut Tensor>) -> Result<()> {
    kaiming_uniform_(weight, 5.0f64.sqrt())?;
    if let Some(bias) = bias {
        let fan_in = fan_in(weight);
        let bound = if fan_in > 0 {
            1.0 / (fan_in as f64).sqrt()
        } else {
            0.0
        };
        let _guard = tch::no_grad_guard();
        let _ = bias.f_uniform_(-bound, bound)?;
    }
    Ok(())
}

/// `nn.Conv*d.reset_parameters`: as Linear's, except that the bias is left
/// as it is when fan_in is 0 (PyTorch skips it).
pub fn conv_reset_parameters(weight: &mut Tensor, bias: Option<&mut Tensor>) -> Result<()> {
    kaiming_uniform_(weight, 5.0f64.sqrt())?;
    let fan_in = fan_in(weight);
    if let (Some(bias), true) = (bias, fan_in != 0) {
        let bound = 1.0 / (fan_in as f64).sqrt();
        let _guard = tch::no_grad_guard();
        let _ = bias.f_uniform_(-bound, bound)?;
    }
    Ok(())
}

/// `nn.Embedding.reset_parameters`: N(0, 1), then the padding row zeroed.
pub fn embedding_reset_parameters(weight: &mut Tensor, padding_idx: Option<i64>) -> Result<()> {
    let _guard = tch::no_grad_guard();
    let _ = weight.f_normal_(0.0, 1.0)?;
    if let Some(idx) = padding_idx {
        let _ = weight.f_select(0, idx)?.f_fill_(0.0)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn linear_init_stays_in_bounds_and_is_seeded() {
        let _rng = crate::rng_lock();
        let make = || {
            tch::manual_seed(42);
            let mut w = Tensor::empty([8, 2], (Kind::Float, Device::Cpu));
            let mut b = Tensor::empty([8], (Kind::Float, Device::Cpu));
            linear_reset_parameters(&mut w, Some(&mut b)).unwrap();
            (w, b)
        };
        let (w1, b1) = make();
        let (w2, _) = make();
        assert!(w1.equal(&w2));
        let bound = 1.0 / 2f64.sqrt();
        assert!(w1.abs().max().double_value(&[]) <= bound);
        assert!(b1.abs().max().double_value(&[]) <= bound);
        // Python: torch.manual_seed(42); nn.Linear(2, 8).weight[0] == [0.5406, 0.5869]
        let first = w1.double_value(&[0, 0]);
        assert!((first - 0.5406).abs() < 1e-4, "{first}");
    }
}
