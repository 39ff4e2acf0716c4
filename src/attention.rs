//! torch.nn.functional's attention: `scaled_dot_product_attention` and
//! `multi_head_attention_forward`, each one native call into crates/core.
use crate::error::OrThrow;
use crate::tensor::Tensor;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use torchts_core::nn::attention::{self as A, MhaOptions, MhaWeights};

fn optional(t: Option<&Tensor>) -> Result<Option<&tch::Tensor>> {
    t.map(|t| t.get()).transpose()
}

/// `F.scaled_dot_product_attention`.
#[napi(catch_unwind)]
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
    let out = A::scaled_dot_product_attention(
        query.get()?,
        key.get()?,
        value.get()?,
        optional(attn_mask)?,
        dropout_p,
        is_causal,
        scale,
        enable_gqa,
    );
    Ok(Tensor::new(out.or_throw()?))
}

/// `F.multi_head_attention_forward` on sequence-first input: `[output]`, or
/// `[output, weights]` when `options.needWeights`.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn multi_head_attention_forward(
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
    options: MhaOptions,
    in_proj_weight: Option<&Tensor>,
    in_proj_bias: Option<&Tensor>,
    bias_k: Option<&Tensor>,
    bias_v: Option<&Tensor>,
    out_proj_weight: Option<&Tensor>,
    out_proj_bias: Option<&Tensor>,
    q_proj_weight: Option<&Tensor>,
    k_proj_weight: Option<&Tensor>,
    v_proj_weight: Option<&Tensor>,
    static_k: Option<&Tensor>,
    static_v: Option<&Tensor>,
    key_padding_mask: Option<&Tensor>,
    attn_mask: Option<&Tensor>,
) -> Result<Vec<Tensor>> {
    let weights = MhaWeights {
        in_proj_weight: optional(in_proj_weight)?,
        in_proj_bias: optional(in_proj_bias)?,
        bias_k: optional(bias_k)?,
        bias_v: optional(bias_v)?,
        out_proj_weight: optional(out_proj_weight)?,
        out_proj_bias: optional(out_proj_bias)?,
        q_proj_weight: optional(q_proj_weight)?,
        k_proj_weight: optional(k_proj_weight)?,
        v_proj_weight: optional(v_proj_weight)?,
        static_k: optional(static_k)?,
        static_v: optional(static_v)?,
        key_padding_mask: optional(key_padding_mask)?,
        attn_mask: optional(attn_mask)?,
    };
    let (out, attn) =
        A::multi_head_attention_forward(query.get()?, key.get()?, value.get()?, &weights, &options)
            .or_throw()?;
    Ok(std::iter::once(out).chain(attn).map(Tensor::new).collect())
}

/// `F._canonical_mask`: a bool mask as 0 / -inf of `like`'s dtype; a float mask as is.
#[napi(catch_unwind)]
pub fn canonical_mask(mask: &Tensor, mask_name: String, like: &Tensor) -> Result<Tensor> {
    let kind = like.get()?.f_kind().or_throw()?;
    let mask = mask.get()?;
    let out = A::canonical_mask(Some(mask), &mask_name, kind).or_throw()?;
    Ok(Tensor::new(out.unwrap_or_else(|| mask.shallow_clone())))
}
