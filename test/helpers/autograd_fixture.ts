// test/fixtures/autograd.json (written by autograd_fixtures.py), typed loosely
// where the tests read it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR, type TensorJson } from '../fixtures/nn_fixture';

export interface NodeJson {
  name: string;
  variable?: TensorJson;
  next?: [NodeJson | null, number][];
}

export interface AutogradFixture {
  torch_version: string;
  legendre: { a: number; b: number; c: number; d: number; losses: number[]; grad_fn: string };
  scaled_mul: {
    x: TensorJson; w: TensorJson; y: TensorJson; x_grad: TensorJson; w_grad: null; needs_input_grad: boolean[]; label: string;
    grad_fn: string; next: [string | null, number][]; requires_grad: boolean; no_grad_requires_grad: boolean; grad_enabled_in_forward: boolean;
  };
  mark_dirty: { out: TensorJson; grad: TensorJson; grad_fn: string; same: boolean };
  mark_non_differentiable: { x: TensorJson; values: TensorJson; indices: TensorJson; indices_requires_grad: boolean; grad: TensorJson; grad_indices: TensorJson | null };
  materialize_grads: Record<'true' | 'false', { g2: TensorJson | null; grad: TensorJson }>;
  graph: { z: NodeJson; scaled: NodeJson; view: NodeJson; leaf_grad_fn: null; no_grad_grad_fn: null; same_node: boolean };
  retain_grad: { h_grad: TensorJson; q_grad: TensorJson; x_grad: TensorJson; h_retains: boolean; x_retains: boolean; h_is_leaf: boolean };
  hooks: { doubled: TensorJson; seen_on_leaf: TensorJson; after_remove: TensorJson };
  grad: {
    first: TensorJson; first_grad_fn: string; second: TensorJson; second_requires_grad: boolean; x_grad: null;
    unused: (TensorJson | null)[]; materialized: TensorJson[]; vjp: TensorJson;
  };
  backward_inputs: { q_grad: TensorJson; x_grad: null };
  inference: { inside: boolean; outside: boolean; requires_grad: boolean; is_inference: boolean; values: TensorJson; save_error: string; requires_grad_error: string };
  errors: Record<string, string>;
}

let cached: AutogradFixture | undefined;

export function loadAutogradFixture(): AutogradFixture {
  cached ??= JSON.parse(readFileSync(join(FIXTURE_DIR, 'autograd.json'), 'utf8')) as AutogradFixture;
  return cached;
}
