// torch.nn.init: each function is torch/nn/init.py's op sequence, op for op,
// so after the same torch.manualSeed it draws Python's numbers bit for bit.
// (PyTorch's optional `generator` argument is not supported yet: libtorch's
// C API has no uniform_/normal_ that take one.)
import { native } from '../native';
import { Tensor, expectTensor } from '../tensor';
import { empty, eye, randperm } from '../creation';
import { noGrad } from '../autograd';
import { argumentError } from '../errors';
import { checkInt, checkNumber, describe } from '../validate';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

export type FanMode = 'fan_in' | 'fan_out';

const LINEAR_FNS = new Set(['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d']);

/** Python's repr of a bad `param`, for calculate_gain's message. */
function pythonRepr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/**
 * The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for
 * tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope 0.01 unless
 * `param`), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  if (LINEAR_FNS.has(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2);
  if (nonlinearity === 'leaky_relu') {
    let slope = 0.01;
    if (param !== undefined && param !== null) {
      if (typeof param !== 'number') throw argumentError(`negative_slope ${pythonRepr(param)} not a valid number`);
      slope = param;
    }
    return Math.sqrt(2 / (1 + slope * slope));
  }
  if (nonlinearity === 'selu') return 3 / 4;
  throw argumentError(`Unsupported nonlinearity ${nonlinearity}`);
}

/** `(fan_in, fan_out)`: dim 1 and dim 0 times the receptive field (the product of dims 2..). */
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  const shape = expectTensor('_calculate_fan_in_and_fan_out', 'tensor', tensor).shape;
  if (shape.length < 2) throw argumentError('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptiveField = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1]! * receptiveField, shape[0]! * receptiveField];
}

function correctFan(tensor: Tensor, mode: string): number {
  if (typeof mode !== 'string') throw argumentError(`mode must be a string, got ${describe(mode)}`);
  const lowered = mode.toLowerCase();
  if (lowered !== 'fan_in' && lowered !== 'fan_out') throw argumentError(`Mode ${lowered} not supported, please use one of ['fan_in', 'fan_out']`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return lowered === 'fan_in' ? fanIn : fanOut;
}

/** Fills `tensor` from U(a, b). */
export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  const t = expectTensor('uniform_', 'tensor', tensor);
  return noGrad(() => t.uniform_(checkNumber('uniform_', 'a', a), checkNumber('uniform_', 'b', b)));
}

/** Fills `tensor` from N(mean, std²). */
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  const t = expectTensor('normal_', 'tensor', tensor);
  return noGrad(() => t.normal_(checkNumber('normal_', 'mean', mean), checkNumber('normal_', 'std', std)));
}

/** Python's math.erf (the platform's libm): JavaScript has none. */
const normCdf = (x: number): number => (1 + native.mathErf(x / Math.sqrt(2))) / 2;

/**
 * Fills `tensor` from N(mean, std²) truncated to [a, b], by inverse CDF: a
 * uniform draw between the bounds' CDFs, then erfinv, scale, shift, clamp.
 */
export function truncNormal_(tensor: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  const op = 'trunc_normal_';
  const t = expectTensor(op, 'tensor', tensor);
  for (const [name, v] of [['mean', mean], ['std', std], ['a', a], ['b', b]] as const) checkNumber(op, name, v);
  const lower = normCdf((a - mean) / std);
  const upper = normCdf((b - mean) / std);
  return noGrad(() => {
    t.uniform_(2 * lower - 1, 2 * upper - 1);
    t.copy_(new Tensor(native.erfinv(t._n)));
    t.mul_(std * Math.sqrt(2));
    t.copy_(t.add(mean));
    return t.copy_(t.clamp(a, b));
  });
}

/** Fills `tensor` with `val`. */
export function constant_(tensor: Tensor, val: number): Tensor {
  const t = expectTensor('constant_', 'tensor', tensor);
  return noGrad(() => t.fill_(checkNumber('constant_', 'val', val)));
}

export function ones_(tensor: Tensor): Tensor {
  const t = expectTensor('ones_', 'tensor', tensor);
  return noGrad(() => t.fill_(1));
}

export function zeros_(tensor: Tensor): Tensor {
  const t = expectTensor('zeros_', 'tensor', tensor);
  return noGrad(() => t.zero_());
}

/** Fills a 2-d `tensor` with the identity matrix (as many inputs preserved as possible in a Linear). */
export function eye_(tensor: Tensor): Tensor {
  const t = expectTensor('eye_', 'tensor', tensor);
  if (t.dim() !== 2) throw argumentError('Only tensors with 2 dimensions are supported');
  return noGrad(() => t.copy_(eye(t.shape[0]!, t.shape[1]!, { dtype: t.dtype, device: t.device })));
}

/** Fills a 3-, 4- or 5-d `tensor` with the Dirac delta (identity convolution), per group. */
export function dirac_(tensor: Tensor, groups = 1): Tensor {
  const t = expectTensor('dirac_', 'tensor', tensor);
  checkInt('dirac_', 'groups', groups);
  const dims = t.dim();
  if (dims !== 3 && dims !== 4 && dims !== 5) throw argumentError('Only tensors with 3, 4, or 5 dimensions are supported');
  const sizes = t.shape;
  if (sizes[0]! % groups !== 0) throw argumentError('dim 0 must be divisible by groups');
  const outPerGroup = Math.floor(sizes[0]! / groups);
  const minDim = Math.min(outPerGroup, sizes[1]!);
  return noGrad(() => {
    t.zero_();
    const centre = sizes.slice(2).map((s) => Math.floor(s / 2));
    for (let g = 0; g < groups; g++) {
      for (let d = 0; d < minDim; d++) {
        let element = t.select(0, g * outPerGroup + d).select(0, d);
        for (const c of centre) element = element.select(0, c);
        element.fill_(1);
      }
    }
    return t;
  });
}

/** U(-a, a) with a = gain · √(6 / (fan_in + fan_out)) (Glorot & Bengio). */
export function xavierUniform_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = checkNumber('xavier_uniform_', 'gain', gain) * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return noGrad(() => tensor.uniform_(-a, a));
}

/** N(0, std²) with std = gain · √(2 / (fan_in + fan_out)). */
export function xavierNormal_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = checkNumber('xavier_normal_', 'gain', gain) * Math.sqrt(2 / (fanIn + fanOut));
  return noGrad(() => tensor.normal_(0, std));
}

export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu). @default 0 */
  a?: number;
  /** 'fan_in' keeps the forward pass's variance, 'fan_out' the backward's. @default 'fan_in' */
  mode?: FanMode;
  /** @default 'leaky_relu' */
  nonlinearity?: Nonlinearity;
}

/** U(-bound, bound) with bound = gain · √(3 / fan) (He et al.); zero-element tensors are left alone. */
export function kaimingUniform_(tensor: Tensor, opts: KaimingOptions = {}): Tensor {
  const t = expectTensor('kaiming_uniform_', 'tensor', tensor);
  if (t.shape.includes(0)) return t; // PyTorch warns: initializing zero-element tensors is a no-op
  const fan = correctFan(t, opts.mode ?? 'fan_in');
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3) * std;
  return noGrad(() => t.uniform_(-bound, bound));
}

/** N(0, std²) with std = gain / √fan; zero-element tensors are left alone. */
export function kaimingNormal_(tensor: Tensor, opts: KaimingOptions = {}): Tensor {
  const t = expectTensor('kaiming_normal_', 'tensor', tensor);
  if (t.shape.includes(0)) return t;
  const fan = correctFan(t, opts.mode ?? 'fan_in');
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  const std = gain / Math.sqrt(fan);
  return noGrad(() => t.normal_(0, std));
}

/**
 * A (semi-)orthogonal matrix, from the QR decomposition of a normal draw
 * with Q's columns signed by R's diagonal; dims after the first are flattened.
 */
export function orthogonal_(tensor: Tensor, gain = 1): Tensor {
  const t = expectTensor('orthogonal_', 'tensor', tensor);
  checkNumber('orthogonal_', 'gain', gain);
  if (t.dim() < 2) throw argumentError('Only tensors with 2 or more dimensions are supported');
  if (t.numel() === 0) return t;
  const rows = t.shape[0]!;
  const cols = Math.floor(t.numel() / rows);
  let flattened = empty([rows, cols], { dtype: t.dtype, device: t.device }).normal_(0, 1);
  if (rows < cols) flattened = flattened.t();
  const [q0, r] = native.linalgQr(flattened._n).map((h) => new Tensor(h)) as [Tensor, Tensor];
  const ph = new Tensor(native.diag(r._n, 0)).sign();
  let q = q0.mul(ph);
  if (rows < cols) q = q.t();
  return noGrad(() => {
    t.view(q.shape).copy_(q);
    return t.mul_(gain);
  });
}

/**
 * A sparse matrix: N(0, std²), then in each column a `sparsity` share of
 * the rows (picked by randperm from the global generator) set to zero.
 */
export function sparse_(tensor: Tensor, sparsity: number, std = 0.01): Tensor {
  const t = expectTensor('sparse_', 'tensor', tensor);
  checkNumber('sparse_', 'sparsity', sparsity);
  checkNumber('sparse_', 'std', std);
  if (t.dim() !== 2) throw argumentError('Only tensors with 2 dimensions are supported');
  const [rows, cols] = t.shape as [number, number];
  const numZeros = Math.ceil(sparsity * rows);
  // Python slices row_indices[:num_zeros]: a negative count drops that many from the end.
  const zeroed = Math.max(0, Math.min(rows, numZeros < 0 ? rows + numZeros : numZeros));
  return noGrad(() => {
    t.normal_(0, std);
    for (let col = 0; col < cols; col++) {
      const rowIndices = randperm(rows).toArray() as ArrayLike<number | bigint>;
      for (let i = 0; i < zeroed; i++) t.select(0, Number(rowIndices[i])).select(0, col).fill_(0);
    }
    return t;
  });
}
