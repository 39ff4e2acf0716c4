// torch.autograd.Function: a user class with `static forward(ctx, ...args)`
// and `static backward(ctx, ...gradOutputs)`, called as `MyFn.apply(...)`.
// forward runs with grad disabled; its outputs get a native node named
// `<ClassName>Backward` whose backward calls the class's backward on this
// thread (crates/core/csrc/autograd.cpp), as PyTorch's PyNode does.
import { native, type NativeTensor } from '../native';
import { Tensor } from '../tensor';
import { TorchError, argumentError } from '../errors';
import { describe } from '../validate';
import { isGradEnabled, noGrad } from './grad_mode';
import { functionNodes, sweepReleased, typeName } from './callbacks';

/**
 * `ctx` of a custom Function: what forward leaves for backward. Any other
 * attribute can be set on it too (`ctx.constant = 2`); type it in your
 * signature, e.g. `ctx: FunctionCtx & { constant: number }`.
 */
export class FunctionCtx {
  [attribute: string]: unknown;

  /** Per forward argument: whether it is a tensor that requires grad. */
  needsInputGrad: boolean[] = [];

  #toSave: (Tensor | null)[] = [];
  #dirty: Tensor[] = [];
  #nonDifferentiable: Tensor[] = [];
  #materializeGrads = true;
  #handle: object | null = null;
  #applied = false;

  /** Saves tensors (or nulls) for backward; read them there with `savedTensors`. Call once, in forward. */
  saveForBackward(...tensors: (Tensor | null | undefined)[]): void {
    tensors.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) {
        throw new TorchError(`save_for_backward can only save variables, but argument ${i} is of type ${typeName(t)}`, 'INVALID_ARGUMENT');
      }
    });
    this.#toSave = tensors.map((t) => t ?? null);
  }

  /**
   * The tensors given to saveForBackward, checked against later in-place
   * changes ("one of the variables needed for gradient computation has been
   * modified by an inplace operation…").
   */
  get savedTensors(): (Tensor | null)[] {
    if (!this.#applied) throw argumentError('savedTensors can only be read in backward (forward has not returned yet)');
    if (this.#handle === null) return this.#toSave;
    return native.functionSavedTensors(this.#handle).map((t) => (t ? new Tensor(t) : null));
  }

  /** Marks inputs that forward changed in place (they must be returned as outputs). */
  markDirty(...tensors: Tensor[]): void {
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TorchError(`mark_dirty can only accept variables, but argument ${i} is of type ${typeName(t)}`, 'INVALID_ARGUMENT');
    });
    this.#dirty = tensors;
  }

  /** Marks outputs that are not differentiable (integer indices, masks): they never require grad. */
  markNonDifferentiable(...tensors: Tensor[]): void {
    tensors.forEach((t) => {
      if (!(t instanceof Tensor)) throw new TorchError(`mark_non_differentiable only accepts variable arguments, but got ${typeName(t)}`, 'INVALID_ARGUMENT');
    });
    this.#nonDifferentiable = tensors;
  }

  /** Whether backward gets zeros (default) or null for outputs whose gradient is undefined. */
  setMaterializeGrads(value: boolean): void {
    if (typeof value !== 'boolean') throw argumentError(`set_materialize_grads(): argument 'value' must be bool, not ${describe(value)}`);
    this.#materializeGrads = value;
  }

  /** @internal attaches the outputs to a new node (see `Function.apply`). */
  static _attach(ctx: FunctionCtx, name: string, args: unknown[], isExecutable: boolean, outputs: unknown[]) {
    const inputs = args.filter((a): a is Tensor => a instanceof Tensor);
    const handles = (ts: (Tensor | null)[]): (NativeTensor | null)[] => ts.map((t) => (t === null ? null : t._n));
    const applied = native.functionApply(
      name,
      args.map((a) => a instanceof Tensor),
      inputs.map((t) => t._n),
      isExecutable,
      ctx.#materializeGrads,
      outputs.map((o) => (o instanceof Tensor ? o._n : null)),
      ctx.#dirty.map((t) => t._n),
      ctx.#nonDifferentiable.map((t) => t._n),
      handles(ctx.#toSave),
    );
    ctx.#applied = true;
    ctx.#handle = applied.ctx ?? null;
    if (ctx.#handle !== null) ctx.#toSave = [];
    ctx.#dirty = [];
    ctx.#nonDifferentiable = [];
    return applied;
  }
}

/** The gradients a backward may return: one per forward argument (null where none), or one tensor. */
export type BackwardResult = Tensor | null | undefined | (Tensor | null | undefined)[];

/** A class with the static `forward` (and `backward`) of a custom Function. */
export interface FunctionClass {
  readonly name: string;
  forward(ctx: FunctionCtx, ...args: never[]): unknown;
  backward(ctx: FunctionCtx, ...gradOutputs: never[]): BackwardResult;
}

type ForwardArgs<C> = C extends { forward(ctx: never, ...args: infer A): unknown } ? A : never;
type ForwardResult<C> = C extends { forward(ctx: never, ...args: never[]): infer R } ? R : never;

/**
 * `torch.autograd.Function`: subclass it with static `forward` and
 * `backward`, then call `MyFn.apply(...args)`.
 *
 * @example
 * class Exp extends torch.autograd.Function {
 *   static forward(ctx: FunctionCtx, x: Tensor) { const y = x.exp(); ctx.saveForBackward(y); return y; }
 *   static backward(ctx: FunctionCtx, grad: Tensor) { const [y] = ctx.savedTensors; return grad.mul(y!); }
 * }
 * const y = Exp.apply(x);
 */
export class AutogradFunction {
  /** Computes the outputs (grad is disabled here). Override it. */
  static forward(_ctx: FunctionCtx, ..._args: unknown[]): unknown {
    throw new TorchError('You must implement the forward function for custom autograd.Function.', 'TORCH_ERROR');
  }

  /** Gradients of the forward arguments given those of the outputs. Override it. */
  static backward(_ctx: FunctionCtx, ..._gradOutputs: (Tensor | null)[]): BackwardResult {
    throw new TorchError('You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.', 'TORCH_ERROR');
  }

  /** Runs forward and records the call in the autograd graph. */
  static apply<C extends FunctionClass>(this: C, ...args: ForwardArgs<C>): ForwardResult<C> {
    sweepReleased();
    const argList: unknown[] = args;
    const ctx = new FunctionCtx();
    ctx.needsInputGrad = argList.map((a) => a instanceof Tensor && a.requiresGrad);
    const isExecutable = isGradEnabled() && ctx.needsInputGrad.some(Boolean);
    const forward = this.forward as (ctx: FunctionCtx, ...args: unknown[]) => unknown;
    const out = noGrad(() => forward.call(this, ctx, ...argList));
    const isTuple = Array.isArray(out);
    const outputs: unknown[] = isTuple ? out : [out];
    const applied = FunctionCtx._attach(ctx, `${this.name}Backward`, argList, isExecutable, outputs);
    const wrapped = outputs.map((o, i) => {
      const h = applied.outputs[i];
      return h === null || h === undefined ? o : new Tensor(h);
    });
    if (applied.ctx) functionNodes.set(applied.id, (grads) => runBackward(this, ctx, grads));
    return (isTuple ? wrapped : wrapped[0]) as ForwardResult<C>;
  }
}

function runBackward(cls: FunctionClass, ctx: FunctionCtx, grads: (Tensor | null)[]): (NativeTensor | null)[] {
  const backward = cls.backward as (ctx: FunctionCtx, ...grads: (Tensor | null)[]) => BackwardResult;
  const result = backward.call(cls, ctx, ...grads);
  const list = Array.isArray(result) ? result : [result];
  return list.map((g) => {
    if (g === null || g === undefined) return null;
    if (g instanceof Tensor) return g._n;
    throw new TorchError(`expected Variable or None (got ${typeName(g)})`, 'TORCH_ERROR');
  });
}
