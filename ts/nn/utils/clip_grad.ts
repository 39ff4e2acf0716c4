// torch.nn.utils.clip_grad_norm_ / clip_grad_value_, op for op as
// torch/nn/utils/clip_grad.py runs them on the CPU (its foreach kernels fall
// back to the per-tensor ops used here), so the numbers are PyTorch's.
import { native } from '../../native';
import { Tensor } from '../../tensor';
import { tensor as makeTensor } from '../../creation';
import { stack } from '../../ops';
import { noGrad } from '../../autograd';
import { argumentError } from '../../errors';
import { checkNumber, checkOptionalBool } from '../../validate';

export interface ClipGradNormOptions {
  /** The p of the p-norm; `Infinity` for the largest magnitude. @default 2 */
  normType?: number;
  /** Throw instead of scaling when the total norm is NaN or infinite. @default false */
  errorIfNonfinite?: boolean;
  /** PyTorch's choice of kernels; both give these numbers on the CPU. */
  foreach?: boolean | null;
}

type Parameters = Tensor | Iterable<Tensor>;

function listOf(parameters: Parameters): Tensor[] {
  return parameters instanceof Tensor ? [parameters] : [...parameters];
}

/** A Python float's repr, for messages: 2 → "2.0", Infinity → "inf". */
function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return Number.isInteger(x) && Math.abs(x) < 1e16 ? x.toFixed(1) : String(x);
}

/** Tensors grouped by (device, dtype), in order of first appearance, as _group_tensors_by_device_and_dtype does. */
function groupByDeviceAndDtype(tensors: Tensor[]): Tensor[][] {
  const groups = new Map<string, Tensor[]>();
  for (const t of tensors) {
    const key = `${String(t.device)}|${String(t.dtype)}`;
    const group = groups.get(key);
    if (group) group.push(t);
    else groups.set(key, [t]);
  }
  return [...groups.values()];
}

const vectorNorm = (t: Tensor, ord: number): Tensor => new Tensor(native.vectorNorm(t._n, ord));

/** The norm of the norms of `tensors` (torch.nn.utils.get_total_norm). */
export function getTotalNorm(tensors: Parameters, normType = 2, errorIfNonfinite = false): Tensor {
  const list = listOf(tensors);
  const ord = checkNumber('get_total_norm', 'norm_type', normType);
  checkOptionalBool('get_total_norm', 'error_if_nonfinite', errorIfNonfinite);
  return noGrad(() => {
    if (list.length === 0) return makeTensor(0);
    const firstDevice = list[0]!.device;
    const norms = groupByDeviceAndDtype(list).flatMap((group) => group.map((t) => vectorNorm(t, ord)));
    const total = vectorNorm(stack(norms.map((n) => n.to(firstDevice))), ord);
    if (errorIfNonfinite && (total.isnan().item() || !total.isfinite().item())) {
      throw argumentError(
        `The total norm of order ${pythonFloat(ord)} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
          'To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`',
      );
    }
    return total;
  });
}

/** Scales the gradients by `maxNorm / (totalNorm + 1e-6)`, clamped to at most 1. */
export function clipGradsWithNorm_(parameters: Parameters, maxNorm: number, totalNorm: Tensor): void {
  const grads = listOf(parameters).flatMap((p) => (p.grad ? [p.grad] : []));
  checkNumber('clip_grads_with_norm_', 'max_norm', maxNorm);
  if (grads.length === 0) return;
  noGrad(() => {
    // Python's `max_norm / tensor` is Tensor.__rtruediv__: reciprocal() * max_norm.
    const clipCoef = totalNorm.add(1e-6).reciprocal().mul(maxNorm);
    const clamped = clipCoef.clamp(null, 1);
    for (const group of groupByDeviceAndDtype(grads)) {
      const coef = clamped.to(group[0]!.device);
      for (const g of group) g.copy_(g.mul(coef)); // g.mul_(coef): the same product, written back
    }
  });
}

/**
 * Rescales the gradients of `parameters` in place so that their total
 * `normType`-norm is at most `maxNorm`; returns the total norm before clipping.
 *
 * @example
 * loss.backward();
 * nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * optimizer.step();
 */
export function clipGradNorm_(parameters: Parameters, maxNorm: number, opts: ClipGradNormOptions = {}): Tensor {
  const list = listOf(parameters);
  checkOptionalBool('clip_grad_norm_', 'foreach', opts.foreach ?? undefined);
  const grads = list.flatMap((p) => (p.grad ? [p.grad] : []));
  const total = getTotalNorm(grads, opts.normType ?? 2, opts.errorIfNonfinite ?? false);
  clipGradsWithNorm_(list, maxNorm, total);
  return total;
}

/** Clamps every gradient of `parameters` into `[-clipValue, clipValue]`, in place. */
export function clipGradValue_(parameters: Parameters, clipValue: number, opts: { foreach?: boolean | null } = {}): void {
  const value = checkNumber('clip_grad_value_', 'clip_value', clipValue);
  checkOptionalBool('clip_grad_value_', 'foreach', opts.foreach ?? undefined);
  const grads = listOf(parameters).flatMap((p) => (p.grad ? [p.grad] : []));
  noGrad(() => {
    for (const g of grads) g.copy_(g.clamp(-value, value));
  });
}
