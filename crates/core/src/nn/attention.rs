//! Attention as torch/nn/functional.py computes it: `scaled_dot_product_attention`
//! (the ATen op) and `multi_head_attention_forward` op for op, checks and
//! messages included, so outputs and gradients match Python's composite path.
use crate::{Error, Result};
use tch::{Kind, Tensor};

/// `F.scaled_dot_product_attention`: libtorch picks the kernel, as Python's call does.
#[allow(clippy::too_many_arguments)]
pub fn scaled_dot_product_attention(
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
    attn_mask: Option<&Tensor>,
    dropout_p: f64,
    is_causal: bool,
    scale: Option<f64>,
    enable_gqa: bool,
) -> Result<Tensor> {
    Ok(Tensor::f_scaled_dot_product_attention(
        query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa,
    )?)
}

/// Python's `torch.Size([2, 3])`, for messages.
fn torch_size(size: &[i64]) -> String {
    let items: Vec<String> = size.iter().map(i64::to_string).collect();
    format!("torch.Size([{}])", items.join(", "))
}

/// A Python tuple of ints, for messages.
fn py_tuple(items: &[i64]) -> String {
    let parts: Vec<String> = items.iter().map(i64::to_string).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// `F._canonical_mask`: a bool mask becomes 0 / -inf of `target`; a float mask stays.
pub fn canonical_mask(mask: Option<&Tensor>, name: &str, target: Kind) -> Result<Option<Tensor>> {
    let Some(mask) = mask else { return Ok(None) };
    let kind = mask.f_kind()?;
    if kind == Kind::Bool {
        let mut zeros = Tensor::f_zeros(mask.size(), (target, mask.device()))?;
        return Ok(Some(zeros.f_masked_fill_(mask, f64::NEG_INFINITY)?));
    }
    if !mask.f_is_floating_point()? {
        return Err(Error::invalid(format!(
            "only bool and floating types of {name} are supported"
        )));
    }
    Ok(Some(mask.shallow_clone()))
}

/// `F._mha_shape_check`: whether the input is batched.
fn shape_check(
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
    key_padding_mask: Option<&Tensor>,
    attn_mask: Option<&Tensor>,
    num_heads: i64,
) -> Result<bool> {
    let (kd, vd) = (key.dim(), value.dim());
    match query.dim() {
        3 => {
            if kd != 3 || vd != 3 {
                return Err(Error::invalid(format!("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found {kd}-D and {vd}-D tensors respectively")));
            }
            if let Some(m) = key_padding_mask.filter(|m| m.dim() != 2) {
                return Err(Error::invalid(format!("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found {}-D tensor instead", m.dim())));
            }
            if let Some(m) = attn_mask.filter(|m| !(2..=3).contains(&m.dim())) {
                return Err(Error::invalid(format!("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found {}-D tensor instead", m.dim())));
            }
            Ok(true)
        }
        2 => {
            if kd != 2 || vd != 2 {
                return Err(Error::invalid(format!("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found {kd}-D and {vd}-D tensors respectively")));
            }
            if let Some(m) = key_padding_mask.filter(|m| m.dim() != 1) {
                return Err(Error::invalid(format!("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found {}-D tensor instead", m.dim())));
            }
            if let Some(m) = attn_mask {
                if !(2..=3).contains(&m.dim()) {
                    return Err(Error::invalid(format!("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found {}-D tensor instead", m.dim())));
                }
                let expected = [num_heads, query.size()[0], key.size()[0]];
                if m.dim() == 3 && m.size() != expected {
                    return Err(Error::invalid(format!(
                        "Expected `attn_mask` shape to be {} but got {}",
                        py_tuple(&expected),
                        torch_size(&m.size())
                    )));
                }
            }
            Ok(false)
        }
        d => Err(Error::invalid(format!(
            "query should be unbatched 2D or batched 3D tensor but received {d}-D query tensor"
        ))),
    }
}

/// The tensors of `multi_head_attention_forward` besides query, key and value.
#[derive(Default)]
pub struct MhaWeights<'a> {
    pub in_proj_weight: Option<&'a Tensor>,
    pub in_proj_bias: Option<&'a Tensor>,
    pub bias_k: Option<&'a Tensor>,
    pub bias_v: Option<&'a Tensor>,
    pub out_proj_weight: Option<&'a Tensor>,
    pub out_proj_bias: Option<&'a Tensor>,
    pub q_proj_weight: Option<&'a Tensor>,
    pub k_proj_weight: Option<&'a Tensor>,
    pub v_proj_weight: Option<&'a Tensor>,
    pub static_k: Option<&'a Tensor>,
    pub static_v: Option<&'a Tensor>,
    pub key_padding_mask: Option<&'a Tensor>,
    pub attn_mask: Option<&'a Tensor>,
}

/// The plain values of `multi_head_attention_forward`, PyTorch's names.
/// `query_is_key` and `key_is_value` stand for Python's `q is k` / `k is v`
/// tests, which choose how the packed in-projection is computed.
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[derive(Debug, Clone, PartialEq)]
pub struct MhaOptions {
    pub embed_dim_to_check: i64,
    pub num_heads: i64,
    pub add_zero_attn: bool,
    pub dropout_p: f64,
    pub training: bool,
    pub need_weights: bool,
    pub use_separate_proj_weight: bool,
    pub average_attn_weights: bool,
    pub is_causal: bool,
    pub query_is_key: bool,
    pub key_is_value: bool,
}

fn required<'a>(t: Option<&'a Tensor>, message: &str) -> Result<&'a Tensor> {
    t.ok_or_else(|| Error::invalid(message))
}

/// `F._in_projection_packed`.
fn in_projection_packed(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    query_is_key: bool,
    key_is_value: bool,
) -> Result<(Tensor, Tensor, Tensor)> {
    let e = *q.size().last().unwrap_or(&0);
    // unflatten(-1, (n, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
    let split = |proj: Tensor, n: i64| -> Result<Tensor> {
        Ok(proj
            .f_unflatten(-1, [n, e])?
            .f_unsqueeze(0)?
            .f_transpose(0, -2)?
            .f_squeeze_dim(-2)?
            .f_contiguous()?)
    };
    if key_is_value {
        if query_is_key {
            let proj = split(q.f_linear(w, b)?, 3)?;
            return Ok((proj.f_get(0)?, proj.f_get(1)?, proj.f_get(2)?));
        }
        let w_parts = w.f_split_with_sizes([e, e * 2], 0)?;
        let b_parts = b.map(|b| b.f_split_with_sizes([e, e * 2], 0)).transpose()?;
        let q_proj = q.f_linear(&w_parts[0], b_parts.as_ref().map(|p| &p[0]))?;
        let kv = split(k.f_linear(&w_parts[1], b_parts.as_ref().map(|p| &p[1]))?, 2)?;
        return Ok((q_proj, kv.f_get(0)?, kv.f_get(1)?));
    }
    let w_parts = w.f_chunk(3, 0)?;
    let b_parts = b.map(|b| b.f_chunk(3, 0)).transpose()?;
    let bias = |i: usize| b_parts.as_ref().map(|p| &p[i]);
    Ok((
        q.f_linear(&w_parts[0], bias(0))?,
        k.f_linear(&w_parts[1], bias(1))?,
        v.f_linear(&w_parts[2], bias(2))?,
    ))
}

/// `F._in_projection`, with its shape checks.
fn in_projection(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    w: [&Tensor; 3],
    b: Option<Vec<Tensor>>,
) -> Result<(Tensor, Tensor, Tensor)> {
    let last = |t: &Tensor| *t.size().last().unwrap_or(&0);
    let (eq, ek, ev) = (last(q), last(k), last(v));
    for (name, weight, cols) in [("query", w[0], eq), ("key", w[1], ek), ("value", w[2], ev)] {
        if weight.size() != [eq, cols] {
            return Err(Error::invalid(format!(
                "expecting {name} weights shape of {}, but got {}",
                py_tuple(&[eq, cols]),
                torch_size(&weight.size())
            )));
        }
    }
    if let Some(b) = &b {
        for (name, bias) in ["query", "key", "value"].iter().zip(b) {
            if bias.size() != [eq] {
                return Err(Error::invalid(format!(
                    "expecting {name} bias shape of {}, but got {}",
                    py_tuple(&[eq]),
                    torch_size(&bias.size())
                )));
            }
        }
    }
    let bias = |i: usize| b.as_ref().map(|p| &p[i]);
    Ok((
        q.f_linear(w[0], bias(0))?,
        k.f_linear(w[1], bias(1))?,
        v.f_linear(w[2], bias(2))?,
    ))
}

/// `F.multi_head_attention_forward` on sequence-first input `(L, N, E)` (or
/// unbatched `(L, E)`): the output and, when `need_weights`, the attention
/// weights (averaged over heads when `average_attn_weights`).
pub fn multi_head_attention_forward(
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
    w: &MhaWeights,
    o: &MhaOptions,
) -> Result<(Tensor, Option<Tensor>)> {
    let num_heads = o.num_heads;
    let is_batched = shape_check(
        query,
        key,
        value,
        w.key_padding_mask,
        w.attn_mask,
        num_heads,
    )?;
    let (query, key, value, key_padding_mask) = if is_batched {
        (
            query.shallow_clone(),
            key.shallow_clone(),
            value.shallow_clone(),
            w.key_padding_mask.map(Tensor::shallow_clone),
        )
    } else {
        (
            query.f_unsqueeze(1)?,
            key.f_unsqueeze(1)?,
            value.f_unsqueeze(1)?,
            w.key_padding_mask.map(|m| m.f_unsqueeze(0)).transpose()?,
        )
    };
    // Python's separate unsqueezes make query, key and value distinct tensors.
    let (query_is_key, key_is_value) = (o.query_is_key && is_batched, o.key_is_value && is_batched);
    let [tgt_len, bsz, embed_dim] = query.size()[..] else {
        unreachable!("shape_check made query 3-D")
    };
    let target = query.f_kind()?;
    let mut key_padding_mask =
        canonical_mask(key_padding_mask.as_ref(), "key_padding_mask", target)?;
    let mut is_causal = o.is_causal;
    if is_causal && w.attn_mask.is_none() {
        return Err(Error::invalid("Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask."));
    }
    let mut attn_mask = if is_causal && key_padding_mask.is_none() && !o.need_weights {
        // SDPA takes the is_causal hint itself.
        None
    } else {
        let mask = canonical_mask(w.attn_mask, "attn_mask", target)?;
        if key_padding_mask.is_some() {
            // The merged mask is no longer causal.
            is_causal = false;
        }
        mask
    };
    if embed_dim != o.embed_dim_to_check {
        return Err(Error::invalid(format!(
            "was expecting embedding dimension of {}, but got {embed_dim}",
            o.embed_dim_to_check
        )));
    }
    let head_dim = embed_dim / num_heads;
    if head_dim * num_heads != embed_dim {
        return Err(Error::invalid(format!(
            "embed_dim {embed_dim} not divisible by num_heads {num_heads}"
        )));
    }
    let (ks, vs) = (key.size(), value.size());
    if o.use_separate_proj_weight {
        if ks[..2] != vs[..2] {
            return Err(Error::invalid(format!(
                "key's sequence and batch dims {} do not match value's {}",
                torch_size(&ks[..2]),
                torch_size(&vs[..2])
            )));
        }
    } else if ks != vs {
        return Err(Error::invalid(format!(
            "key shape {} does not match value shape {}",
            torch_size(&ks),
            torch_size(&vs)
        )));
    }

    let (q, mut k, mut v) = if !o.use_separate_proj_weight {
        let weight = required(
            w.in_proj_weight,
            "use_separate_proj_weight is False but in_proj_weight is None",
        )?;
        in_projection_packed(
            &query,
            &key,
            &value,
            weight,
            w.in_proj_bias,
            query_is_key,
            key_is_value,
        )?
    } else {
        let message =
            |n: &str| format!("use_separate_proj_weight is True but {n}_proj_weight is None");
        let wq = required(w.q_proj_weight, &message("q"))?;
        let wk = required(w.k_proj_weight, &message("k"))?;
        let wv = required(w.v_proj_weight, &message("v"))?;
        let b = w.in_proj_bias.map(|b| b.f_chunk(3, 0)).transpose()?;
        in_projection(&query, &key, &value, [wq, wk, wv], b)?
    };

    if let Some(mask) = attn_mask.take() {
        attn_mask = Some(match mask.dim() {
            2 => {
                let correct = [tgt_len, ks[0]];
                if mask.size() != correct {
                    return Err(Error::invalid(format!(
                        "The shape of the 2D attn_mask is {}, but should be {}.",
                        torch_size(&mask.size()),
                        py_tuple(&correct)
                    )));
                }
                mask.f_unsqueeze(0)?
            }
            3 => {
                let correct = [bsz * num_heads, tgt_len, ks[0]];
                if mask.size() != correct {
                    return Err(Error::invalid(format!(
                        "The shape of the 3D attn_mask is {}, but should be {}.",
                        torch_size(&mask.size()),
                        py_tuple(&correct)
                    )));
                }
                mask
            }
            d => {
                return Err(Error::invalid(format!(
                    "attn_mask's dimension {d} is not supported"
                )))
            }
        });
    }

    match (w.bias_k, w.bias_v) {
        (Some(bias_k), Some(bias_v)) => {
            if w.static_k.is_some() {
                return Err(Error::invalid("bias cannot be added to static key."));
            }
            if w.static_v.is_some() {
                return Err(Error::invalid("bias cannot be added to static value."));
            }
            k = Tensor::f_cat(&[&k, &bias_k.f_repeat([1, bsz, 1])?], 0)?;
            v = Tensor::f_cat(&[&v, &bias_v.f_repeat([1, bsz, 1])?], 0)?;
            attn_mask = attn_mask.map(|m| m.f_constant_pad_nd([0, 1])).transpose()?;
            key_padding_mask = key_padding_mask
                .map(|m| m.f_constant_pad_nd([0, 1]))
                .transpose()?;
        }
        (Some(_), None) => return Err(Error::invalid("bias_k is set but bias_v is None")),
        (None, Some(_)) => return Err(Error::invalid("bias_v is set but bias_k is None")),
        (None, None) => {}
    }

    let q = q
        .f_view([tgt_len, bsz * num_heads, head_dim])?
        .f_transpose(0, 1)?;
    let heads_first = |t: &Tensor, static_t: Option<&Tensor>, name: &str| -> Result<Tensor> {
        match static_t {
            None => Ok(t
                .f_view([t.size()[0], bsz * num_heads, head_dim])?
                .f_transpose(0, 1)?),
            Some(s) => {
                if s.size()[0] != bsz * num_heads {
                    return Err(Error::invalid(format!(
                        "expecting {name}.size(0) of {}, but got {}",
                        bsz * num_heads,
                        s.size()[0]
                    )));
                }
                if s.size().get(2) != Some(&head_dim) {
                    return Err(Error::invalid(format!(
                        "expecting {name}.size(2) of {head_dim}, but got {}",
                        s.size().get(2).copied().unwrap_or(0)
                    )));
                }
                Ok(s.shallow_clone())
            }
        }
    };
    k = heads_first(&k, w.static_k, "static_k")?;
    v = heads_first(&v, w.static_v, "static_v")?;

    if o.add_zero_attn {
        let shape = [bsz * num_heads, 1, head_dim];
        k = Tensor::f_cat(
            &[&k, &Tensor::f_zeros(shape, (k.f_kind()?, k.device()))?],
            1,
        )?;
        v = Tensor::f_cat(
            &[&v, &Tensor::f_zeros(shape, (v.f_kind()?, v.device()))?],
            1,
        )?;
        attn_mask = attn_mask.map(|m| m.f_constant_pad_nd([0, 1])).transpose()?;
        key_padding_mask = key_padding_mask
            .map(|m| m.f_constant_pad_nd([0, 1]))
            .transpose()?;
    }
    let src_len = k.size()[1];

    if let Some(kpm) = key_padding_mask {
        let size = kpm.size();
        if size[0] != bsz {
            return Err(Error::invalid(format!(
                "Expected key_padded_mask.shape[0] to be {bsz}, but got {}",
                size[0]
            )));
        }
        if size[1] != src_len {
            return Err(Error::invalid(format!(
                "Expected key_padded_mask.shape[1] to be {src_len}, but got {}",
                size[1]
            )));
        }
        let kpm = kpm
            .f_view([bsz, 1, 1, src_len])?
            .f_expand([-1, num_heads, -1, -1], false)?
            .f_reshape([bsz * num_heads, 1, src_len])?;
        attn_mask = Some(match attn_mask {
            None => kpm,
            Some(m) => m.f_add(&kpm)?,
        });
    }
    let dropout_p = if o.training { o.dropout_p } else { 0.0 };
    let out_proj_weight = required(w.out_proj_weight, "out_proj_weight is None")?;

    if o.need_weights {
        let e = *q.size().last().unwrap_or(&1);
        let q_scaled = q.f_mul_scalar((1.0 / e as f64).sqrt())?;
        if is_causal && attn_mask.is_none() {
            return Err(Error::invalid(
                "FIXME: is_causal not implemented for need_weights",
            ));
        }
        let kt = k.f_transpose(-2, -1)?;
        let mut weights = match &attn_mask {
            Some(m) => m.f_baddbmm(&q_scaled, &kt, 1, 1)?,
            None => q_scaled.f_bmm(&kt)?,
        };
        weights = weights.f_softmax(-1, None::<Kind>)?;
        if dropout_p > 0.0 {
            weights = weights.f_dropout(dropout_p, true)?;
        }
        let out = weights
            .f_bmm(&v)?
            .f_transpose(0, 1)?
            .f_contiguous()?
            .f_view([tgt_len * bsz, embed_dim])?;
        let out = out.f_linear(out_proj_weight, w.out_proj_bias)?;
        let out = out.f_view([tgt_len, bsz, out.size()[1]])?;
        let mut weights = weights.f_view([bsz, num_heads, tgt_len, src_len])?;
        if o.average_attn_weights {
            weights = weights.f_mean_dim(1, false, None::<Kind>)?;
        }
        if !is_batched {
            return Ok((out.f_squeeze_dim(1)?, Some(weights.f_squeeze_dim(0)?)));
        }
        return Ok((out, Some(weights)));
    }

    // attn_mask is (1, L, S) or (N * heads, L, S); SDPA wants (N, heads, L, S).
    let attn_mask = attn_mask
        .map(|m| {
            if m.size()[0] == 1 && m.dim() == 3 {
                m.f_unsqueeze(0)
            } else {
                m.f_view([bsz, num_heads, -1, src_len])
            }
        })
        .transpose()?;
    let q = q.f_view([bsz, num_heads, tgt_len, head_dim])?;
    let k = k.f_view([bsz, num_heads, src_len, head_dim])?;
    let v = v.f_view([bsz, num_heads, src_len, head_dim])?;
    let out = scaled_dot_product_attention(
        &q,
        &k,
        &v,
        attn_mask.as_ref(),
        dropout_p,
        is_causal,
        None,
        false,
    )?;
    let out = out
        .f_permute([2, 0, 1, 3])?
        .f_contiguous()?
        .f_view([bsz * tgt_len, embed_dim])?;
    let out = out.f_linear(out_proj_weight, w.out_proj_bias)?;
    let out = out.f_view([tgt_len, bsz, out.size()[1]])?;
    Ok((
        if is_batched {
            out
        } else {
            out.f_squeeze_dim(1)?
        },
        None,
    ))
}
