// torch.autograd.backward and torch.autograd.grad on libtorch's engine
// (Python's `_make_grads` then `run_backward`, in crates/core/src/autograd.rs).
// A custom Function's backward or a hook that throws makes these throw
// the same error.
import { native } from '../native';
import { Tensor } from '../tensor';
import { TorchError, argumentError } from '../errors';
import { checkOptionalBool, checkOptions, describe } from '../validate';
import { zerosLike } from '../creation';
import { sweepReleased } from './callbacks';

export interface BackwardOptions {
  /** The "vector" of the vector-Jacobian product, one per tensor (null for scalars). */
  gradTensors?: Tensor | (Tensor | null)[] | null;
  /** Keep the graph for another backward. @default createGraph */
  retainGraph?: boolean;
  /** Record the backward itself, for higher derivatives. @default false */
  createGraph?: boolean;
  /** Accumulate into these tensors' `.grad` only (leaves or not). */
  inputs?: Tensor | Tensor[];
}

export interface GradOptions {
  /** The "vector" of the vector-Jacobian product, one per output (null for scalars). */
  gradOutputs?: Tensor | (Tensor | null)[] | null;
  /** @default createGraph */
  retainGraph?: boolean;
  /** @default false */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. @default materializeGrads */
  allowUnused?: boolean;
  /** Return zeros instead of null for unused inputs. @default false */
  materializeGrads?: boolean;
}

function tensorList(fn: string, name: string, value: unknown): Tensor[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((t, i) => {
    if (t instanceof Tensor) return t;
    throw argumentError(`${fn}(): argument '${name}' must be a Tensor or a list of Tensors, but element ${i} is ${describe(t)}`);
  });
}

function gradList(fn: string, name: string, value: unknown, count: number): (Tensor | null)[] {
  if (value === undefined || value === null) return new Array<Tensor | null>(count).fill(null);
  const list = value instanceof Tensor ? [value] : Array.isArray(value) ? value : null;
  if (list === null) throw argumentError(`${fn}(): argument '${name}' must be a Tensor, a list of Tensors or null, not ${describe(value)}`);
  return list.map((g) => {
    if (g === null || g === undefined) return null;
    if (g instanceof Tensor) return g;
    throw new TorchError(`gradients can be either Tensors or None, but got ${describe(g)}`, 'INVALID_ARGUMENT');
  });
}

/** @internal the engine call behind backward and grad (options already checked). */
export function run(outputs: Tensor[], grads: (Tensor | null)[], inputs: Tensor[], retain: boolean, create: boolean, allowUnused: boolean, accumulate: boolean): (Tensor | null)[] {
  try {
    return native
      .autogradRunBackward(outputs.map((t) => t._n), grads.map((g) => g?._n ?? null), inputs.map((t) => t._n), retain, create, allowUnused, accumulate)
      .map((g) => (g ? new Tensor(g) : null));
  } finally {
    sweepReleased();
  }
}

/**
 * `torch.autograd.backward(tensors, grad_tensors, retain_graph, create_graph, inputs)`:
 * accumulates the gradients of `tensors` into the leaves' `.grad` (or into `inputs`' only).
 */
export function backward(tensors: Tensor | Tensor[], opts: BackwardOptions = {}): void {
  checkOptions('backward', opts);
  const outs = tensorList('backward', 'tensors', tensors);
  const create = checkOptionalBool('backward', 'createGraph', opts.createGraph) ?? false;
  const retain = checkOptionalBool('backward', 'retainGraph', opts.retainGraph) ?? create;
  let inputs: Tensor[] = [];
  if (opts.inputs !== undefined) {
    inputs = tensorList('backward', 'inputs', opts.inputs);
    if (inputs.length === 0) throw new TorchError('`inputs` argument to `backward()` cannot be empty.', 'INVALID_ARGUMENT');
  }
  run(outs, gradList('backward', 'gradTensors', opts.gradTensors, outs.length), inputs, retain, create, true, true);
}

/**
 * `torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads)`:
 * the gradients of `outputs` with respect to `inputs`, returned instead of accumulated.
 *
 * @example
 * const [dx] = torch.autograd.grad(x.pow(3).sum(), x, { createGraph: true });
 * const [d2x] = torch.autograd.grad(dx!.sum(), x);   // 6x
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  checkOptions('grad', opts);
  const outs = tensorList('grad', 'outputs', outputs);
  const ins = tensorList('grad', 'inputs', inputs);
  const materialize = checkOptionalBool('grad', 'materializeGrads', opts.materializeGrads) ?? false;
  const allowUnusedOpt = checkOptionalBool('grad', 'allowUnused', opts.allowUnused);
  if (materialize && allowUnusedOpt === false) {
    throw new TorchError('Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False.', 'INVALID_ARGUMENT');
  }
  const create = checkOptionalBool('grad', 'createGraph', opts.createGraph) ?? false;
  const retain = checkOptionalBool('grad', 'retainGraph', opts.retainGraph) ?? create;
  const result = run(outs, gradList('grad', 'gradOutputs', opts.gradOutputs, outs.length), ins, retain, create, allowUnusedOpt ?? materialize, false);
  if (!materialize) return result;
  return result.map((g, i) => g ?? zerosLike(ins[i]!).requiresGrad_(create));
}
