// The autograd graph and torch.autograd's functions against PyTorch 2.11
// (test/fixtures/autograd.json, written by autograd_fixtures.py): gradFn
// names and nextFunctions, node identity, retainGrad, hooks,
// torch.autograd.grad (second derivative of x³), backward with inputs,
// inference mode, and PyTorch's messages.
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import type { Tensor } from '../ts/index';
import type { Node } from '../ts/autograd';
import { expectTensorBits } from './helpers/tensor_bits';
import { thrownTorchError } from './helpers/errors';
import { fromJson, type TensorJson } from './fixtures/nn_fixture';
import { loadAutogradFixture, type NodeJson } from './helpers/autograd_fixture';

const fx = loadAutogradFixture();

/** float64 results: dtype, shape and every double exactly (expectTensorBits compares float32 bits). */
function expectDoubles(t: Tensor, expected: TensorJson, label: string): void {
  expect([t.dtype.name, t.shape], label).toEqual([expected.dtype, expected.shape]);
  expect(Array.from(t.data(), Number), label).toEqual(expected.values);
}
const ones2 = () => torch.tensor([1.0, 2.0], { dtype: torch.float32, requiresGrad: true });

interface PlainNode {
  name: string;
  variable?: { shape: number[]; dtype: string; values: number[] };
  next?: [PlainNode | null, number][];
}

/** The node as the fixture script describes it: name, next functions, AccumulateGrad's variable. */
function describeNode(node: Node | null, depth = 0): PlainNode | null {
  if (node === null) return null;
  const variable = node.variable;
  if (variable !== undefined) return { name: node.name(), variable: { shape: variable.shape, dtype: variable.dtype.name, values: Array.from(variable.data(), Number) } };
  const out: PlainNode = { name: node.name() };
  if (depth < 8) out.next = node.nextFunctions.map(([n, nr]) => [describeNode(n, depth + 1), nr]);
  return out;
}

/** The fixture's description in the same form (its float32 values are exact doubles). */
function plain(j: NodeJson | null): PlainNode | null {
  if (j === null) return null;
  const out: PlainNode = { name: j.name };
  if (j.variable) out.variable = { shape: j.variable.shape, dtype: j.variable.dtype, values: j.variable.values.map(Number) };
  if (j.next) out.next = j.next.map(([n, nr]) => [plain(n), nr]);
  return out;
}

describe('gradFn and nextFunctions', () => {
  it('names and shapes the graph of ((x * w + 2).relu() * c).sum() as PyTorch does', () => {
    const x = torch.tensor([1.0, -2.0, 3.0], { dtype: torch.float32, requiresGrad: true });
    const w = torch.tensor([0.5, 0.25, -1.0], { dtype: torch.float32, requiresGrad: true });
    const c = torch.tensor([4.0, 5.0, 6.0], { dtype: torch.float32 });
    const z = x.mul(w).add(2).relu().mul(c).sum();
    expect(describeNode(z.gradFn)).toEqual(plain(fx.graph.z));
    expect(describeNode(x.mul(2).gradFn)).toEqual(plain(fx.graph.scaled));
    expect(describeNode(x.view(3, 1).t().gradFn)).toEqual(plain(fx.graph.view));
    expect(x.gradFn).toBe(fx.graph.leaf_grad_fn);
    expect(c.mul(2).gradFn).toBe(fx.graph.no_grad_grad_fn);
    // the same native node is the same object, as in Python
    const first = z.gradFn!.nextFunctions[0]![0];
    expect(first === z.gradFn!.nextFunctions[0]![0]).toBe(fx.graph.same_node);
    expect(z.gradFn).toBe(z.gradFn);
    expect(String(z.gradFn)).toMatch(/^<SumBackward0 object at 0x[0-9a-f]+>$/);
  });

  it('AccumulateGrad.variable is the leaf', () => {
    const x = torch.tensor([1.0, 2.0], { dtype: torch.float32, requiresGrad: true });
    const acc = x.mul(2).gradFn!.nextFunctions[0]![0]!;
    expect(acc.name()).toBe('torch::autograd::AccumulateGrad');
    acc.variable!.grad = null; // same TensorImpl: a change through it shows on x
    x.mul(3).sum().backward();
    expect(acc.variable!.grad!.toArray()).toEqual([3, 3]);
  });
});

describe('retainGrad and hooks', () => {
  it('retainGrad keeps the gradients of non-leaf tensors', () => {
    const f = fx.retain_grad;
    const x = torch.tensor([1.0, 2.0, -3.0], { dtype: torch.float32, requiresGrad: true });
    const h = x.mul(2);
    h.retainGrad();
    const q = h.mul(h);
    q.retainGrad();
    q.sum().backward();
    expectTensorBits(h.grad!, f.h_grad, 'h.grad');
    expectTensorBits(q.grad!, f.q_grad, 'q.grad');
    expectTensorBits(x.grad!, f.x_grad, 'x.grad');
    expect([h.retainsGrad, x.retainsGrad, h.isLeaf]).toEqual([f.h_retains, f.x_retains, f.h_is_leaf]);
    expect(thrownTorchError(() => torch.ones(2).retainGrad()).message).toBe(fx.errors.retain_no_grad);
  });

  it('a hook that doubles the gradient, a leaf hook that sees it, and remove()', () => {
    const f = fx.hooks;
    const x = torch.tensor([1.0, -2.0, 0.5], { dtype: torch.float32, requiresGrad: true });
    const y = x.mul(3);
    const seen: Tensor[] = [];
    const handle = y.registerHook((g) => g.mul(2));
    x.registerHook((g) => void seen.push(g));
    y.sum().backward();
    expectTensorBits(x.grad!, f.doubled, 'doubled');
    expectTensorBits(seen[0]!, f.seen_on_leaf, 'seen on the leaf');
    handle.remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expectTensorBits(x.grad!, f.after_remove, 'after remove');
  });

  it('hook errors: a wrong shape, a tensor without grad, a hook that throws', () => {
    const x = ones2();
    const y = x.mul(2);
    y.registerHook(function wrongShape() {
      return torch.ones(5);
    });
    expect(thrownTorchError(() => y.sum().backward()).message).toBe(fx.errors.hook_shape);
    expect(thrownTorchError(() => torch.ones(2).registerHook((g) => g)).message).toBe(fx.errors.hook_no_grad);
    const z = ones2().mul(2);
    const failure = new RangeError('hook failed');
    z.registerHook(() => {
      throw failure;
    });
    expect(() => z.sum().backward()).toThrow(failure);
  });
});

describe('torch.autograd.grad and backward', () => {
  it('d/dx and d²/dx² of x³ with createGraph', () => {
    const f = fx.grad;
    const x = torch.tensor([1.5, -2.0, 0.5], { dtype: torch.float64, requiresGrad: true });
    const [g1] = torch.autograd.grad(x.pow(3).sum(), x, { createGraph: true });
    expectDoubles(g1!, f.first, 'first');
    expect(g1!.gradFn!.name()).toBe(f.first_grad_fn);
    const [g2] = torch.autograd.grad(g1!.sum(), x);
    expectDoubles(g2!, f.second, 'second');
    expect(g2!.requiresGrad).toBe(f.second_requires_grad);
    expect(x.grad).toBe(f.x_grad);
    const u = torch.tensor([1.0], { dtype: torch.float32, requiresGrad: true });
    const unused = torch.autograd.grad(x.mul(2).sum(), [x, u], { allowUnused: true });
    expectDoubles(unused[0]!, f.unused[0]!, 'used');
    expect(unused[1]).toBe(f.unused[1]);
    const materialized = torch.autograd.grad(x.mul(2).sum(), [x, u], { materializeGrads: true });
    expectDoubles(materialized[0]!, f.materialized[0]!, 'materialized 0');
    expectTensorBits(materialized[1]!, f.materialized[1]!, 'materialized 1');
    const v = torch.tensor([1.0, 2.0], { dtype: torch.float32, requiresGrad: true });
    const [vjp] = torch.autograd.grad(v.mul(v), v, { gradOutputs: torch.tensor([0.5, -1.0], { dtype: torch.float32 }) });
    expectTensorBits(vjp!, f.vjp, 'vjp');
  });

  it('backward with inputs fills only those tensors\' grad', () => {
    const x = torch.tensor([1.0, 2.0], { dtype: torch.float32, requiresGrad: true });
    const q = x.mul(x);
    q.retainGrad();
    torch.autograd.backward([q.mul(3).sum()], { inputs: [q] });
    expectTensorBits(q.grad!, fx.backward_inputs.q_grad, 'q.grad');
    expect(x.grad).toBe(fx.backward_inputs.x_grad);
  });

  it('PyTorch\'s messages for unused inputs, inputs without grad, outputs without grad_fn and shapes', () => {
    const e = fx.errors;
    expect(thrownTorchError(() => torch.autograd.grad(ones2().mul(2).sum(), torch.ones(1, { requiresGrad: true }))).message).toBe(e.unused);
    expect(thrownTorchError(() => torch.autograd.grad(ones2().mul(2).sum(), torch.ones(1))).message).toBe(e.not_requiring);
    expect(thrownTorchError(() => torch.ones(2).sum().backward()).message).toBe(e.no_grad_fn);
    expect(thrownTorchError(() => ones2().mul(2).backward()).message).toBe(e.implicit);
    expect(thrownTorchError(() => torch.autograd.grad(ones2().mul(2), ones2(), { gradOutputs: torch.ones(3) })).message).toBe(e.grad_shape);
    expect(thrownTorchError(() => torch.autograd.grad(ones2().mul(2).sum(), ones2(), { materializeGrads: true, allowUnused: false })).message).toBe(e.materialize_unused);
  });
});

describe('torch.inferenceMode', () => {
  it('makes inference tensors that autograd refuses later, with PyTorch\'s messages', () => {
    const f = fx.inference;
    const x = torch.tensor([1.0, 2.0], { dtype: torch.float32, requiresGrad: true });
    let inside = false;
    const t = torch.inferenceMode(() => {
      inside = torch.isInferenceModeEnabled();
      return x.mul(2);
    });
    expect([inside, torch.isInferenceModeEnabled()]).toEqual([f.inside, f.outside]);
    expect([t.requiresGrad, t.isInference()]).toEqual([f.requires_grad, f.is_inference]);
    expectTensorBits(t, f.values, 'values');
    expect(thrownTorchError(() => t.mul(torch.ones(2, { requiresGrad: true })).sum().backward()).message).toBe(f.save_error);
    {
      using _guard = torch.inferenceMode();
      expect(torch.isInferenceModeEnabled()).toBe(true);
      expect(torch.isGradEnabled()).toBe(false);
    }
    expect([torch.isInferenceModeEnabled(), torch.isGradEnabled()]).toEqual([false, true]);
    expect(torch.inferenceMode(false, () => torch.isInferenceModeEnabled())).toBe(false);
    expect(fromJson(f.values).isInference()).toBe(false);
  });
});
