//! torchts bench worker in pure Rust: the floor the Node systems are measured
//! against, on the same libtorch 2.11 the addon links.
//!
//! Two variants (first argument):
//! - `core`: torchts-core's engine (Sequential, Loss, PyTorch-exact Adam,
//!   `train::fit`), i.e. exactly what `torch.fit` runs, without napi.
//! - `raw`: plain tch: `linear`/`relu`/`cross_entropy_loss` on tensors and
//!   tch's `nn::Adam` (libtorch's C++ `torch::optim::Adam`, one call per step).
//!
//! Protocol (driven by bench/run.mjs): one command per stdin line, one
//! `@@RESULT {json}` line per command on stdout, written by serde_json. A
//! non-finite number (a diverged loss) is written as `null`, as JSON has no
//! NaN and JavaScript's JSON.stringify does the same.
//!   hello | threads N | setup w1|w2 DIR | run w1 EPOCHS | run w2 LIMIT [noinfer]
//!   | run w3 add|matmul CALLS | profile w1 EPOCHS | free | quit
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::time::Instant;
use tch::{nn, nn::OptimizerConfig, Device, Kind, Reduction, Tensor};
use torchts_core::init::linear_reset_parameters;
use torchts_core::loss::Loss;
use torchts_core::nn::{Layer, LayerSpec, Sequential};
use torchts_core::optim::{Adam, AdamConfig};
use torchts_core::train::{accuracy, fit, FitConfig, Split};

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Core,
    Raw,
}

struct Data {
    w1: Option<(Split, Split)>,
    w2: Option<Split>,
}

fn read_f32(path: &str) -> Result<Vec<f32>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn read_i64(path: &str) -> Result<Vec<i64>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(bytes
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
        .collect())
}

fn load_split(dir: &str, x: &str, y: &str) -> Result<Split, String> {
    let xs = read_f32(&format!("{dir}/{x}.f32"))?;
    let ys = read_i64(&format!("{dir}/{y}.i64"))?;
    let n = ys.len() as i64;
    if xs.len() as i64 != 2 * n {
        return Err(format!("{x}: {} floats for {n} labels", xs.len()));
    }
    Ok(Split {
        x: Tensor::from_slice(&xs).view([n, 2]),
        y: Tensor::from_slice(&ys),
    })
}

/// PyTorch-initialised Linear layers (nn.Linear's reset_parameters, in
/// creation order), after `manual_seed(42)`: the same numbers as Python.
fn pytorch_linears(sizes: &[i64]) -> Vec<(Tensor, Tensor)> {
    tch::manual_seed(42);
    sizes
        .windows(2)
        .map(|w| {
            let mut weight = Tensor::empty([w[1], w[0]], (Kind::Float, Device::Cpu));
            let mut bias = Tensor::empty([w[1]], (Kind::Float, Device::Cpu));
            linear_reset_parameters(&mut weight, Some(&mut bias)).unwrap();
            (weight.set_requires_grad(true), bias.set_requires_grad(true))
        })
        .collect()
}

fn core_model(sizes: &[i64]) -> Sequential {
    let mut layers = vec![];
    for (i, (weight, bias)) in pytorch_linears(sizes).into_iter().enumerate() {
        if i > 0 {
            layers.push(Layer::stateless(LayerSpec::ReLU));
        }
        layers.push(Layer::linear(weight, Some(bias)));
    }
    Sequential { layers }
}

/// Plain tch: the parameters live in a VarStore so tch's nn::Adam can drive them.
struct RawModel {
    _vs: nn::VarStore,
    params: Vec<(Tensor, Tensor)>,
    opt: nn::Optimizer,
}

impl RawModel {
    fn new(sizes: &[i64], lr: f64) -> Self {
        let vs = nn::VarStore::new(Device::Cpu);
        let root = vs.root();
        let params = pytorch_linears(sizes)
            .iter()
            .enumerate()
            .map(|(i, (w, b))| {
                (
                    root.var_copy(&format!("w{i}"), w),
                    root.var_copy(&format!("b{i}"), b),
                )
            })
            .collect();
        let opt = nn::Adam::default().build(&vs, lr).unwrap();
        Self {
            _vs: vs,
            params,
            opt,
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let mut out = x.shallow_clone();
        for (i, (w, b)) in self.params.iter().enumerate() {
            if i > 0 {
                out = out.relu();
            }
            out = out.linear(w, Some(b));
        }
        out
    }

    fn loss(out: &Tensor, y: &Tensor) -> Tensor {
        out.cross_entropy_loss::<Tensor>(y, None, Reduction::Mean, -100, 0.0)
    }

    fn step(&mut self, x: &Tensor, y: &Tensor) -> f64 {
        self.opt.zero_grad();
        let loss = Self::loss(&self.forward(x), y);
        loss.backward();
        self.opt.step();
        loss.double_value(&[])
    }

    fn evaluate(&self, split: &Split) -> (f64, f64) {
        let _guard = tch::no_grad_guard();
        let out = self.forward(&split.x);
        (
            Self::loss(&out, &split.y).double_value(&[]),
            accuracy(&out, &split.y).unwrap(),
        )
    }
}

fn w1(variant: Variant, data: &Data, epochs: usize) -> Result<Value, String> {
    let (train, test) = data.w1.as_ref().ok_or("setup w1 first")?;
    let sizes = [2, 8, 4, 2];
    let start;
    let last: (f64, f64, f64, f64);
    match variant {
        Variant::Core => {
            let model = core_model(&sizes);
            let mut opt = Adam::new(model.parameters(), AdamConfig::default().lr(0.001))
                .map_err(|e| e.to_string())?;
            let loss = Loss::cross_entropy();
            let cfg = FitConfig {
                epochs,
                batch_size: None,
                shuffle: true,
                evaluate: true,
                ..Default::default()
            };
            start = Instant::now();
            let history = fit(
                &model,
                &loss,
                &mut opt,
                train,
                Some(test),
                &cfg,
                &mut |_| true,
            )
            .map_err(|e| e.to_string())?;
            let r = history.last().ok_or("no epochs")?;
            last = (
                r.train_loss,
                r.train_accuracy.unwrap_or(f64::NAN),
                r.test_loss.unwrap_or(f64::NAN),
                r.test_accuracy.unwrap_or(f64::NAN),
            );
        }
        Variant::Raw => {
            let mut model = RawModel::new(&sizes, 0.001);
            start = Instant::now();
            let mut l = (0.0, 0.0, 0.0, 0.0);
            for _ in 0..epochs {
                model.step(&train.x, &train.y);
                let (a, b) = model.evaluate(train);
                let (c, d) = model.evaluate(test);
                l = (a, b, c, d);
            }
            last = l;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(json!({
        "seconds": seconds,
        "epochs": epochs,
        "final": { "trainLoss": last.0, "trainAcc": last.1, "testLoss": last.2, "testAcc": last.3 },
    }))
}

/// W1 split into phases (µs per epoch), to see where the Rust floor goes.
/// `core`: torchts-core's pieces; `raw`: plain tch with C++ Adam. Extra
/// rows time the alternatives an engine change could use.
fn profile_w1(variant: Variant, data: &Data, epochs: usize) -> Result<Value, String> {
    let (train, test) = data.w1.as_ref().ok_or("setup w1 first")?;
    let sizes = [2, 8, 4, 2];
    let mut ph = [0f64; 7];
    let names = [
        "zero_grad",
        "forward",
        "loss",
        "backward",
        "step",
        "eval_train",
        "eval_test",
    ];
    let mut extra: Vec<(String, f64)> = vec![];
    let now = Instant::now;
    match variant {
        Variant::Core => {
            let model = core_model(&sizes);
            let mut opt = Adam::new(model.parameters(), AdamConfig::default().lr(0.001))
                .map_err(|e| e.to_string())?;
            let loss = Loss::cross_entropy();
            let mut nocheck = 0.0;
            let mut none_grad = 0.0;
            for e in 0..epochs + 50 {
                let rec = e >= 50;
                let mut t = now();
                let mut lap = |i: usize, t: &mut Instant| {
                    if rec {
                        ph[i] += t.elapsed().as_secs_f64();
                    }
                    *t = now();
                };
                torchts_core::optim::Optimizer::zero_grad(&mut opt);
                lap(0, &mut t);
                let out = model.forward(&train.x, true).map_err(|e| e.to_string())?;
                lap(1, &mut t);
                let l = loss.forward(&out, &train.y).map_err(|e| e.to_string())?;
                lap(2, &mut t);
                l.backward();
                lap(3, &mut t);
                torchts_core::optim::Optimizer::step(&mut opt).map_err(|e| e.to_string())?;
                lap(4, &mut t);
                torchts_core::train::evaluate(&model, &loss, train).map_err(|e| e.to_string())?;
                lap(5, &mut t);
                torchts_core::train::evaluate(&model, &loss, test).map_err(|e| e.to_string())?;
                lap(6, &mut t);
                if rec {
                    // the same loss without the per-call label check (check once per fit instead)
                    let _g = tch::no_grad_guard();
                    let t0 = now();
                    let _ = out
                        .cross_entropy_loss::<Tensor>(&train.y, None, Reduction::Mean, -100, 0.0)
                        .double_value(&[]);
                    nocheck += t0.elapsed().as_secs_f64();
                    let t1 = now();
                    let _ = loss.forward(&out, &train.y).unwrap().double_value(&[]);
                    nocheck -= t1.elapsed().as_secs_f64();
                    // set_to_none=True (PyTorch's default) would skip the zero_ ops entirely
                    let t2 = now();
                    for p in model.parameters() {
                        let mut g = p.grad();
                        if g.defined() {
                            let _ = g.detach_().zero_();
                        }
                    }
                    none_grad += t2.elapsed().as_secs_f64();
                }
            }
            extra.push(("loss_label_check_cost".into(), -nocheck));
            extra.push(("zero_grad_zero_ops_cost".into(), none_grad));
        }
        Variant::Raw => {
            let mut model = RawModel::new(&sizes, 0.001);
            for e in 0..epochs + 50 {
                let rec = e >= 50;
                let mut t = now();
                let mut lap = |i: usize, t: &mut Instant| {
                    if rec {
                        ph[i] += t.elapsed().as_secs_f64();
                    }
                    *t = now();
                };
                model.opt.zero_grad();
                lap(0, &mut t);
                let out = model.forward(&train.x);
                lap(1, &mut t);
                let l = RawModel::loss(&out, &train.y);
                lap(2, &mut t);
                l.backward();
                lap(3, &mut t);
                model.opt.step();
                lap(4, &mut t);
                model.evaluate(train);
                lap(5, &mut t);
                model.evaluate(test);
                lap(6, &mut t);
            }
        }
    }
    // µs per epoch to two decimals
    let us = |v: f64| (v * 1e8 / epochs as f64).round() / 100.0;
    let per_epoch: serde_json::Map<String, Value> = names
        .iter()
        .map(|n| n.to_string())
        .zip(ph.iter().copied())
        .chain(extra.iter().cloned())
        .map(|(n, v)| (n, json!(us(v))))
        .collect();
    Ok(json!({ "usPerEpoch": per_epoch, "total": us(ph.iter().sum()) }))
}

fn w2(variant: Variant, data: &Data, limit: i64, run_inference: bool) -> Result<Value, String> {
    let all = data.w2.as_ref().ok_or("setup w2 first")?;
    let n = all.x.size()[0].min(limit);
    let x = all.x.narrow(0, 0, n);
    let y = all.y.narrow(0, 0, n);
    let sizes = [2, 256, 256, 2];
    let bs = 1024;
    let infer_bs = 65536;
    let batches = (n + bs - 1) / bs;
    let start = Instant::now();
    let train_seconds;
    let final_loss;
    let infer: Box<dyn Fn(&Tensor) -> Tensor>;
    match variant {
        Variant::Core => {
            let model = core_model(&sizes);
            let mut opt = Adam::new(model.parameters(), AdamConfig::default().lr(0.001))
                .map_err(|e| e.to_string())?;
            let loss = Loss::cross_entropy();
            let cfg = FitConfig {
                epochs: 1,
                batch_size: Some(bs),
                shuffle: true,
                evaluate: false,
                ..Default::default()
            };
            let split = Split {
                x: x.shallow_clone(),
                y: y.shallow_clone(),
            };
            let history = fit(&model, &loss, &mut opt, &split, None, &cfg, &mut |_| true)
                .map_err(|e| e.to_string())?;
            train_seconds = start.elapsed().as_secs_f64();
            final_loss = history.last().map(|r| r.train_loss).unwrap_or(f64::NAN);
            drop(opt);
            infer = Box::new(move |xb| model.forward(xb, false).unwrap());
        }
        Variant::Raw => {
            let mut model = RawModel::new(&sizes, 0.001);
            let order = Tensor::randperm(n, (Kind::Int64, Device::Cpu));
            let mut last = 0.0;
            let mut s = 0;
            while s < n {
                let len = bs.min(n - s);
                let idx = order.narrow(0, s, len);
                last = model.step(&x.index_select(0, &idx), &y.index_select(0, &idx));
                s += len;
            }
            train_seconds = start.elapsed().as_secs_f64();
            final_loss = last;
            infer = Box::new(move |xb| model.forward(xb));
        }
    }
    if !run_inference {
        return Ok(json!({
            "trainSeconds": train_seconds,
            "samples": n,
            "batches": batches,
            "finalLoss": final_loss,
        }));
    }
    let start = Instant::now();
    {
        let _guard = tch::no_grad_guard();
        let mut s = 0;
        while s < n {
            let len = infer_bs.min(n - s);
            let out = infer(&x.narrow(0, s, len));
            drop(out);
            s += len;
        }
    }
    let infer_seconds = start.elapsed().as_secs_f64();
    Ok(json!({
        "trainSeconds": train_seconds,
        "inferSeconds": infer_seconds,
        "samples": n,
        "batches": batches,
        "finalLoss": final_loss,
    }))
}

fn w3(op: &str, calls: u64) -> Result<Value, String> {
    let (a, b) = match op {
        "add" => (
            Tensor::ones([2, 2], (Kind::Float, Device::Cpu)),
            Tensor::ones([2, 2], (Kind::Float, Device::Cpu)),
        ),
        "matmul" => (
            Tensor::ones([8, 8], (Kind::Float, Device::Cpu)),
            Tensor::ones([8, 8], (Kind::Float, Device::Cpu)),
        ),
        other => return Err(format!("unknown op {other}")),
    };
    let start = Instant::now();
    if op == "add" {
        for _ in 0..calls {
            let c = &a + &b;
            drop(c);
        }
    } else {
        for _ in 0..calls {
            let c = a.matmul(&b);
            drop(c);
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(json!({ "seconds": seconds, "calls": calls }))
}

fn handle(variant: Variant, data: &mut Data, words: &[&str]) -> Result<Value, String> {
    let arg = |i: usize| {
        words
            .get(i)
            .copied()
            .ok_or_else(|| format!("missing argument {i} in {words:?}"))
    };
    let num =
        |i: usize| -> Result<i64, String> { arg(i)?.parse::<i64>().map_err(|e| e.to_string()) };
    match words.first().copied().unwrap_or("") {
        "hello" => Ok(json!({
            "variant": if variant == Variant::Core { "core" } else { "raw" },
            "threads": tch::get_num_threads(),
            "tch": "0.24.0",
            "ompWaitPolicy": std::env::var("OMP_WAIT_POLICY").ok(),
        })),
        "threads" => {
            tch::set_num_threads(num(1)? as i32);
            Ok(json!({ "threads": tch::get_num_threads() }))
        }
        "setup" => {
            let dir = arg(2)?;
            match arg(1)? {
                "w1" => {
                    data.w1 = Some((
                        load_split(dir, "w1_xtr", "w1_ytr")?,
                        load_split(dir, "w1_xte", "w1_yte")?,
                    ))
                }
                "w2" => data.w2 = Some(load_split(dir, "w2_x", "w2_y")?),
                "w3" => {}
                other => return Err(format!("unknown workload {other}")),
            }
            Ok(json!({}))
        }
        "run" => match arg(1)? {
            "w1" => w1(variant, data, num(2)? as usize),
            "w2" => w2(variant, data, num(2)?, words.get(3) != Some(&"noinfer")),
            "w3" => w3(arg(2)?, num(3)? as u64),
            other => Err(format!("unknown workload {other}")),
        },
        "profile" => match arg(1)? {
            "w1" => profile_w1(variant, data, num(2)? as usize),
            other => Err(format!("no profile for {other}")),
        },
        "free" => {
            data.w1 = None;
            data.w2 = None;
            Ok(json!({}))
        }
        other => Err(format!("unknown command {other}")),
    }
}

fn main() {
    let variant = match std::env::args().nth(1).as_deref() {
        Some("raw") => Variant::Raw,
        _ => Variant::Core,
    };
    let mut data = Data { w1: None, w2: None };
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"quit") {
            break;
        }
        if words.is_empty() {
            continue;
        }
        let reply = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handle(variant, &mut data, &words)
        })) {
            Ok(Ok(value)) => value,
            Ok(Err(e)) => json!({ "error": e }),
            Err(_) => json!({ "error": "panic" }),
        };
        let _ = writeln!(stdout, "@@RESULT {reply}");
        let _ = stdout.flush();
    }
}
