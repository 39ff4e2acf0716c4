// torch.autograd.Function against PyTorch 2.11 (test/fixtures/autograd.json,
// written by autograd_fixtures.py): the "Learning PyTorch with Examples"
// LegendrePolynomial3 program bit for bit, needs_input_grad, saved tensors,
// non-tensor arguments, markDirty / markNonDifferentiable /
// setMaterializeGrads, and PyTorch's messages for bad backwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import { Tensor } from '../ts/index';
import type { FunctionCtx } from '../ts/autograd';
import { expectTensorBits } from './helpers/tensor_bits';
import { thrownTorchError } from './helpers/errors';
import { fromJson, float32Bits } from './fixtures/nn_fixture';
import { loadAutogradFixture } from './helpers/autograd_fixture';
import { bundle } from './helpers/bundle.mjs';
import { cubeRun } from './helpers/autograd-cube';
import { functionNodes, hookLists, sweepReleased } from '../ts/autograd/callbacks';

const fx = loadAutogradFixture();

class LegendrePolynomial3 extends torch.autograd.Function {
  static override forward(ctx: FunctionCtx, input: Tensor): Tensor {
    ctx.saveForBackward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5);
  }

  static override backward(ctx: FunctionCtx, gradOutput: Tensor): Tensor {
    const [input] = ctx.savedTensors;
    return gradOutput.mul(1.5).mul(input!.pow(2).mul(5).sub(1));
  }
}

describe('torch.autograd.Function', () => {
  it('runs the LegendrePolynomial3 tutorial program to PyTorch\'s exact a, b, c, d and losses', () => {
    const dtype = torch.float32;
    const x = torch.linspace(-Math.PI, Math.PI, 2000, { dtype });
    const y = torch.sin(x);
    const a = torch.full([], 0.0, { dtype, requiresGrad: true });
    const b = torch.full([], -1.0, { dtype, requiresGrad: true });
    const c = torch.full([], 0.0, { dtype, requiresGrad: true });
    const d = torch.full([], 0.3, { dtype, requiresGrad: true });
    const learningRate = 5e-6;
    const losses: number[] = [];
    let yPred: Tensor | null = null;
    for (let t = 0; t < 2000; t++) {
      torch.tidy(() => {
        const P3 = (v: Tensor) => LegendrePolynomial3.apply(v);
        yPred = torch.keep(a.add(b.mul(P3(c.add(d.mul(x))))));
        const loss = yPred.sub(y).pow(2).sum();
        if (t % 100 === 99) losses.push(loss.item() as number);
        loss.backward();
        torch.noGrad(() => {
          // a -= learning_rate * a.grad, as a + (-(lr * grad)): the same bits
          for (const p of [a, b, c, d]) p.add_(p.grad!.mul(-learningRate));
        });
        for (const p of [a, b, c, d]) p.grad = null;
      });
    }
    expect(float32Bits([a.item() as number, b.item() as number, c.item() as number, d.item() as number])).toEqual(
      float32Bits([fx.legendre.a, fx.legendre.b, fx.legendre.c, fx.legendre.d]),
    );
    expect(float32Bits(losses)).toEqual(float32Bits(fx.legendre.losses));
    const p3 = yPred!.gradFn!.nextFunctions[1]![0]!.nextFunctions[1]![0]!;
    expect(p3.name()).toBe(fx.legendre.grad_fn);
  });

  class ScaledMul extends torch.autograd.Function {
    static seen: { needsInputGrad?: boolean[]; label?: unknown } = {};
    static gradEnabledInForward: boolean | null = null;
    static override forward(ctx: FunctionCtx, x: Tensor, w: Tensor, scale: number, label: string): Tensor {
      ScaledMul.gradEnabledInForward = torch.isGradEnabled();
      ctx.saveForBackward(x, w);
      ctx.scale = scale;
      ctx.label = label;
      return x.mul(w).mul(scale).add(1);
    }

    static override backward(ctx: FunctionCtx & { scale: number }, grad: Tensor): (Tensor | null)[] {
      const [x, w] = ctx.savedTensors;
      ScaledMul.seen = { needsInputGrad: ctx.needsInputGrad, label: ctx.label };
      const gx = ctx.needsInputGrad[0] ? grad.mul(w!).mul(ctx.scale) : null;
      const gw = ctx.needsInputGrad[1] ? grad.mul(x!).mul(ctx.scale) : null;
      return [gx, gw, null, null];
    }
  }

  it('passes needsInputGrad, saved tensors and non-tensor arguments as PyTorch does', () => {
    const f = fx.scaled_mul;
    const x = fromJson(f.x).requiresGrad_();
    const w = fromJson(f.w);
    const y = ScaledMul.apply(x, w, 2.5, 'tag');
    expectTensorBits(y, f.y, 'y');
    expect(y.requiresGrad).toBe(f.requires_grad);
    expect(ScaledMul.gradEnabledInForward).toBe(f.grad_enabled_in_forward);
    y.mul(y).sum().backward();
    expectTensorBits(x.grad!, f.x_grad, 'x.grad');
    expect(w.grad).toBe(f.w_grad);
    expect(ScaledMul.seen).toEqual({ needsInputGrad: f.needs_input_grad, label: f.label });
    expect(y.gradFn!.name()).toBe(f.grad_fn);
    expect(y.gradFn!.nextFunctions.map(([n, nr]) => [n === null ? null : n.name(), nr])).toEqual(f.next);
    expect(torch.noGrad(() => ScaledMul.apply(x, w, 2.5, 'tag')).requiresGrad).toBe(f.no_grad_requires_grad);
  });

  it('markDirty: an input changed in place is the output, with the Function as its gradFn', () => {
    class InplaceDouble extends torch.autograd.Function {
      static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
        x.mul_(2);
        ctx.markDirty(x);
        return x;
      }

      static override backward(_ctx: FunctionCtx, grad: Tensor): Tensor {
        return grad.mul(2);
      }
    }
    const a = torch.tensor([1.0, -3.0], { dtype: torch.float32, requiresGrad: true });
    const b = a.clone();
    const c = InplaceDouble.apply(b);
    c.mul(c).sum().backward();
    expectTensorBits(c, fx.mark_dirty.out, 'out');
    expectTensorBits(a.grad!, fx.mark_dirty.grad, 'a.grad');
    expect(c.gradFn!.name()).toBe(fx.mark_dirty.grad_fn);
    expect(b.gradFn).toBe(c.gradFn); // the same tensor, so the same node
  });

  it('markNonDifferentiable: integer outputs need no grad, and backward gets their zeros', () => {
    const f = fx.mark_non_differentiable;
    let gradIndices: Tensor | null = null;
    class MaxWithIndex extends torch.autograd.Function {
      static override forward(ctx: FunctionCtx, x: Tensor): [Tensor, Tensor] {
        const [values, indices] = x.max(0);
        ctx.markNonDifferentiable(indices);
        ctx.saveForBackward(x, values);
        return [values, indices];
      }

      static override backward(ctx: FunctionCtx, gradValues: Tensor, gi: Tensor | null): Tensor {
        const [x, values] = ctx.savedTensors;
        gradIndices = gi;
        return gradValues.mul(x!.eq(values!));
      }
    }
    const x = fromJson(f.x).requiresGrad_();
    const [values, indices] = MaxWithIndex.apply(x);
    values.mul(torch.tensor([1.0, 2.0, 3.0], { dtype: torch.float32 })).sum().backward();
    expectTensorBits(values, f.values, 'values');
    expectTensorBits(indices, f.indices, 'indices');
    expect(indices.requiresGrad).toBe(f.indices_requires_grad);
    expectTensorBits(x.grad!, f.grad, 'x.grad');
    expectTensorBits(gradIndices!, f.grad_indices!, 'grad of indices');
  });

  it('setMaterializeGrads(false) gives backward null for unused outputs instead of zeros', () => {
    for (const flag of [true, false]) {
      const expected = fx.materialize_grads[flag ? 'true' : 'false'];
      let g2: Tensor | null = null;
      class TwoOutputs extends torch.autograd.Function {
        static override forward(ctx: FunctionCtx, x: Tensor, materialize: boolean): [Tensor, Tensor] {
          ctx.setMaterializeGrads(materialize);
          return [x.mul(2), x.mul(3)];
        }

        static override backward(_ctx: FunctionCtx, g1: Tensor, second: Tensor | null): (Tensor | null)[] {
          g2 = second;
          const g = g1.mul(2);
          return [second === null ? g : g.add(second.mul(3)), null];
        }
      }
      const x = torch.tensor([1.0, 2.0], { dtype: torch.float32, requiresGrad: true });
      const [m1] = TwoOutputs.apply(x, flag);
      m1.sum().backward();
      if (expected.g2 === null) expect(g2).toBeNull();
      else expectTensorBits(g2!, expected.g2, 'g2');
      expectTensorBits(x.grad!, expected.grad, 'x.grad');
    }
  });
});

describe('torch.autograd.Function errors', () => {
  const ones2 = () => torch.tensor([1.0, 2.0], { dtype: torch.float32, requiresGrad: true });

  it('a wrong number of gradients, a gradient for a non-tensor and a wrong shape give PyTorch\'s messages', () => {
    class BadCount extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, x: Tensor, w: Tensor): Tensor { return x.mul(w); }
      static override backward(_ctx: FunctionCtx, grad: Tensor): Tensor { return grad; }
    }
    class GradForNonTensor extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, x: Tensor, k: number): Tensor { return x.mul(k); }
      static override backward(_ctx: FunctionCtx, grad: Tensor): Tensor[] { return [grad, grad]; }
    }
    class BadShape extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor { return x.mul(2); }
      static override backward(): Tensor { return torch.ones(3); }
    }
    expect(thrownTorchError(() => BadCount.apply(ones2(), ones2()).sum().backward()).message).toBe(fx.errors.count);
    expect(thrownTorchError(() => GradForNonTensor.apply(ones2(), 3.0).sum().backward()).message).toBe(fx.errors.non_tensor);
    expect(thrownTorchError(() => BadShape.apply(ones2()).sum().backward()).message).toBe(fx.errors.shape);
  });

  it('what backward throws comes out of loss.backward() as is, and autograd keeps working', () => {
    const failure = new Error(fx.errors.throws!);
    class Throws extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor { return x.mul(2); }
      static override backward(): Tensor { throw failure; }
    }
    let caught: unknown;
    try {
      Throws.apply(ones2()).sum().backward();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBe(failure);
    expect((caught as Error).message).toBe(fx.errors.throws);
    const x = ones2();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });

  it('saved tensors: backward twice and in-place changes give PyTorch\'s messages', () => {
    class Saves extends torch.autograd.Function {
      static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.saveForBackward(x);
        return x.mul(2);
      }

      static override backward(ctx: FunctionCtx, grad: Tensor): Tensor {
        const [x] = ctx.savedTensors;
        return grad.mul(x!);
      }
    }
    const s = Saves.apply(ones2().mul(1)).sum();
    s.backward();
    expect(thrownTorchError(() => s.backward()).message).toBe(fx.errors.twice);
    const h = ones2().mul(1);
    const s2 = Saves.apply(h).sum();
    h.add_(torch.ones(2));
    expect(thrownTorchError(() => s2.backward()).message).toBe(fx.errors.modified);
  });

  it('refuses non-tensors in saveForBackward and a backward returning a non-tensor', () => {
    class SavesNumber extends torch.autograd.Function {
      static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.saveForBackward(x, 3 as unknown as Tensor);
        return x.mul(2);
      }
    }
    expect(thrownTorchError(() => SavesNumber.apply(ones2())).message).toBe(fx.errors.save_number);
    class ReturnsNumber extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor { return x.mul(2); }
      static override backward(): Tensor { return 3 as unknown as Tensor; }
    }
    expect(thrownTorchError(() => ReturnsNumber.apply(ones2()).sum().backward()).message).toBe(fx.errors.returns_number);
    class NoBackward extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor { return x.mul(2); }
    }
    expect(thrownTorchError(() => NoBackward.apply(ones2()).sum().backward()).message).toBe(fx.errors.no_backward);
  });
});

describe('custom Functions and threads', () => {
  it('a worker runs its own custom Functions and hooks (its own dispatcher), with the main thread\'s numbers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-autograd-worker-'));
    try {
      const script = await bundle('test/helpers/autograd-worker.ts', { outDir: dir });
      const worker = new Worker(script);
      const fromWorker = await new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
      expect(fromWorker).toEqual({ ...cubeRun(), message: 'backward failed in a worker' });
      expect(cubeRun()).toEqual({ grad: [3, 12, 0.75], hooked: [30, 120, 7.5], name: 'CubeBackward' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('drops a node\'s JavaScript entry once the native node is freed', () => {
    class Double extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor { return x.mul(2); }
      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor { return g.mul(2); }
    }
    const x = torch.ones(3, { requiresGrad: true });
    sweepReleased();
    const before = [functionNodes.size, hookLists.size];
    for (let i = 0; i < 50; i++) {
      torch.tidy(() => {
        const y = Double.apply(x);
        y.registerHook((g) => g);
        expect(functionNodes.size).toBe(before[0]! + 1);
        y.sum().backward();
      });
    }
    sweepReleased();
    expect([functionNodes.size, hookLists.size]).toEqual(before);
    expect(x.grad!.toArray()).toEqual([100, 100, 100]);
  });
});
