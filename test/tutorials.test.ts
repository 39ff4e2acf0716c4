// PyTorch's beginner tutorials, ported line for line under examples/tutorials/,
// against what their Python twins (test/fixtures/tutorials/*.py, PyTorch 2.11)
// recorded: every printed tensor and module as text, and the tensors, losses,
// accuracies and trained parameters bit for bit. Both twins run on one
// intra-op thread (libtorch splits large reductions and matrix products across
// its threads, and the split changes float32 rounding), seed 0, and build the
// same synthetic data sets from the seed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getNumThreads, setNumThreads } from '../ts/cuda';
import type { Tensor } from '../ts/tensor';
import type { Module } from '../ts/nn';
import { FIXTURE_DIR, type TensorJson } from './fixtures/nn_fixture';
import { expectTensorBits } from './helpers/tensor_bits';
import { tensorsTutorial } from '../examples/tutorials/tensors';
import { buildModelTutorial } from '../examples/tutorials/build_model';
import { autogradTutorial } from '../examples/tutorials/autograd';
import { optimizationTutorial } from '../examples/tutorials/optimization';
import { nnReallyTutorial } from '../examples/tutorials/nn_really';

// The examples import 'torchts' as a user does; here that is this checkout's
// TypeScript sources (as tsx resolves it through tsconfig's paths), not dist/.
vi.mock('torchts', async () => await import('../ts/index'));

interface DigestJson {
  shape: number[];
  dtype: string;
  sha256: string;
}

type Fixture = Record<string, unknown> & { torch_version: string; prints: string[] };

function fixture<T>(name: string): Fixture & T {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, 'tutorials', `${name}.json`), 'utf8'));
}

/** A tensor as the Python twin's tensor_digest: shape, dtype, sha256 of its contiguous values' bytes. */
function digest(t: Tensor): DigestJson {
  const data = t.detach().contiguous().data();
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { shape: t.shape, dtype: t.dtype.name, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A module's state dict against the twin's state_digest: PyTorch's keys in order, each tensor's bytes. */
function expectStateDigest(module: Module | Map<string, Tensor>, expected: Record<string, DigestJson>, label: string): void {
  const state = module instanceof Map ? module : module.stateDict();
  expect([...state.keys()], label).toEqual(Object.keys(expected));
  for (const [name, t] of state) expect(digest(t), `${label}: ${name}`).toEqual(expected[name]);
}

let threads = 0;
beforeAll(() => {
  threads = getNumThreads();
});
afterAll(() => setNumThreads(threads));

describe('Learning the Basics: Tensors (examples/tutorials/tensors.ts)', () => {
  const fx = fixture<{
    x_data: TensorJson; x_rand: TensorJson; rand_tensor: TensorJson; shape: number[]; dtype: string; device: string;
    tensor: TensorJson; y: TensorJson[]; z: TensorJson[]; agg_item: number; tensor_after_add: TensorJson; next_draw: TensorJson;
  }>('tensors');
  const r = tensorsTutorial();

  it('was recorded by PyTorch 2.11', () => expect(fx.torch_version).toBe('2.11.0'));

  it('prints what Python prints', () => expect(r.prints).toEqual(fx.prints));

  it('makes the same tensors, bit for bit, and leaves the generator where Python does', () => {
    expectTensorBits(r.xData, fx.x_data, 'x_data');
    expect(r.xData.dtype.name).toBe('int64');
    expectTensorBits(r.xRand, fx.x_rand, 'x_rand');
    expectTensorBits(r.randTensor, fx.rand_tensor, 'rand_tensor');
    expect([r.shape, r.dtype, r.device]).toEqual([fx.shape, fx.dtype, fx.device]);
    expectTensorBits(r.tensor, fx.tensor, 'tensor');
    r.y.forEach((y, i) => expectTensorBits(y, fx.y[i]!, `y${i + 1}`));
    r.z.forEach((z, i) => expectTensorBits(z, fx.z[i]!, `z${i + 1}`));
    expect(r.aggItem).toBe(fx.agg_item);
    expectTensorBits(r.tensorAfterAdd, fx.tensor_after_add, 'tensor.add_(5)');
    expectTensorBits(r.nextDraw, fx.next_draw, 'the next torch.rand(3)');
  });
});

describe('Learning the Basics: Build the Neural Network (examples/tutorials/build_model.ts)', () => {
  const fx = fixture<{
    init_state: Record<string, DigestJson>; logits: TensorJson; pred_probab: TensorJson; y_pred: TensorJson;
    input_image_size: number[]; flat_image_size: number[]; hidden1_size: number[]; hidden1_before: TensorJson; hidden1_after: TensorJson;
    seq_logits: TensorJson; seq_pred_probab: TensorJson; parameters: { name: string; size: number[]; values: string }[];
  }>('build_model');
  const r = buildModelTutorial();

  it('prints what Python prints: the model, the prediction, the activations before and after ReLU', () => expect(r.prints).toEqual(fx.prints));

  it("initializes the model as PyTorch does (state dict keys and every parameter's bytes)", () => expectStateDigest(r.model, fx.init_state, 'NeuralNetwork'));

  it('computes the same logits, probabilities and layer outputs, bit for bit', () => {
    expectTensorBits(r.logits, fx.logits, 'logits');
    expectTensorBits(r.predProbab, fx.pred_probab, 'pred_probab');
    expectTensorBits(r.yPred, fx.y_pred, 'y_pred');
    expect([r.inputImageSize, r.flatImageSize, r.hidden1Size]).toEqual([fx.input_image_size, fx.flat_image_size, fx.hidden1_size]);
    expectTensorBits(r.hidden1Before, fx.hidden1_before, 'hidden1 before ReLU');
    expectTensorBits(r.hidden1After, fx.hidden1_after, 'hidden1 after ReLU');
    expectTensorBits(r.seqLogits, fx.seq_logits, 'seq_modules logits');
    expectTensorBits(r.seqPredProbab, fx.seq_pred_probab, 'softmax(logits)');
  });

  it('lists the parameters as Python does: names, sizes, param[:2]', () => expect(r.parameters).toEqual(fx.parameters));
});

describe('Learning the Basics: Automatic Differentiation (examples/tutorials/autograd.ts)', () => {
  const fx = fixture<{
    w: TensorJson; b: TensorJson; z: TensorJson; loss: number; z_grad_fn: string; loss_grad_fn: string;
    w_grad: TensorJson; b_grad: TensorJson; requires_grad: boolean[]; inp_grads: TensorJson[];
  }>('autograd');
  const r = autogradTutorial();

  it('prints what Python prints', () => expect(r.prints).toEqual(fx.prints));

  it('has the same forward values, grad_fn names and gradients, bit for bit', () => {
    expectTensorBits(r.w, fx.w, 'w');
    expectTensorBits(r.b, fx.b, 'b');
    expectTensorBits(r.z, fx.z, 'z');
    expect(r.loss).toBe(fx.loss);
    expect([r.zGradFn, r.lossGradFn]).toEqual([fx.z_grad_fn, fx.loss_grad_fn]);
    expect(r.wGrad).not.toBeNull();
    expect(r.bGrad).not.toBeNull();
    expectTensorBits(r.wGrad!, fx.w_grad, 'w.grad');
    expectTensorBits(r.bGrad!, fx.b_grad, 'b.grad');
  });

  it('tracks requires_grad as Python does (plain, under no_grad, detached)', () => expect(r.requiresGrad).toEqual(fx.requires_grad));

  it('accumulates, then zeroes, the Jacobian-vector products as Python does', () => {
    expect(r.inpGrads).toHaveLength(3);
    r.inpGrads.forEach((g, i) => expectTensorBits(g, fx.inp_grads[i]!, `inp.grad after call ${i + 1}`));
  });
});

describe('Learning the Basics: Optimizing Model Parameters (examples/tutorials/optimization.ts)', () => {
  const fx = fixture<{ batch_losses: number[]; tests: { test_loss: number; correct: number }[]; final_state: Record<string, DigestJson> }>('optimization');
  const r = optimizationTutorial();

  it('prints what Python prints (losses, accuracies, average test losses)', () => expect(r.prints).toEqual(fx.prints));

  it("has every batch's loss and every test pass, as Python's floats", () => {
    expect(r.batchLosses).toHaveLength(16);
    expect(r.batchLosses).toEqual(fx.batch_losses);
    expect(r.tests.map((t) => [t.testLoss, t.correct])).toEqual(fx.tests.map((t) => [t.test_loss, t.correct]));
  });

  it('ends with the same parameters, bit for bit', () => expectStateDigest(r.model, fx.final_state, 'trained NeuralNetwork'));
});

describe('What is torch.nn really? (examples/tutorials/nn_really.ts)', () => {
  const fx = fixture<
    { x_train_shape: number[]; weights_init: DigestJson; preds0: string; preds_shape: number[]; preds: TensorJson; scratch_weights: DigestJson; scratch_bias: TensorJson; losses: number[]; val_losses: number[] } &
      Record<string, unknown>
  >('nn_really');
  const r = nnReallyTutorial();

  it('prints what Python prints, section by section', () => expect(r.prints).toEqual(fx.prints));

  it('the from-scratch model: data, initial weights, predictions and the hand-written update, bit for bit', () => {
    expect(r.xTrainShape).toEqual(fx.x_train_shape);
    expect(digest(r.weightsInit)).toEqual(fx.weights_init);
    expect(r.preds0).toBe(fx.preds0);
    expect(r.predsShape).toEqual(fx.preds_shape);
    expectTensorBits(r.preds, fx.preds, 'preds');
    expect(digest(r.scratchWeights)).toEqual(fx.scratch_weights);
    expectTensorBits(r.scratchBias, fx.scratch_bias, 'bias');
  });

  it("every printed loss and accuracy, and fit()'s validation losses, as Python's floats", () => {
    expect(r.losses).toHaveLength(16);
    expect(r.losses).toEqual(fx.losses);
    expect(r.valLosses).toHaveLength(10);
    expect(r.valLosses).toEqual(fx.val_losses);
  });

  it("each refactoring step's trained model: PyTorch's state-dict keys and every parameter's bytes", () => {
    const sections = Object.keys(fx).filter((k) => k.endsWith('_state'));
    expect(Object.keys(r.states)).toEqual(sections);
    for (const name of sections) expectStateDigest(r.states[name]!, fx[name] as Record<string, DigestJson>, name);
  });
});

describe('as scripts (npx tsx examples/tutorials/<file>.ts)', () => {
  const root = resolve(FIXTURE_DIR, '..', '..');
  it.each(['tensors', 'autograd'])('%s.ts prints the lines its Python twin prints, in order; imported, it prints nothing', (name) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join('examples', 'tutorials', `${name}.ts`)], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    let from = 0;
    for (const line of fixture(name).prints) {
      const at = run.stdout.indexOf(line, from);
      expect(at, `${JSON.stringify(line)} after offset ${from}`).toBeGreaterThanOrEqual(0);
      from = at + line.length;
    }
    const logged: unknown[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      if (name === 'tensors') tensorsTutorial();
      else autogradTutorial();
    } finally {
      spy.mockRestore();
    }
    expect(logged).toEqual([]);
  });
});
