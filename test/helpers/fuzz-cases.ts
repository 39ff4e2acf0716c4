// Hostile-input fuzzing of the public API (issue 9): fast-check scenarios,
// their execution, and the property every outcome must satisfy.
//
// A scenario is plain data (an op name and its arguments), so fast-check can
// print and shrink it; tensors appear as `{ $t: spec }` placeholders that are
// built fresh when the scenario runs, and deliberately wrong arguments are
// wrapped as `{ $junk, v }` so the runner knows the call must be refused.
//
// The property, for every call:
//   - the process survives (checked by the parent: this code runs in a child);
//   - the call returns, or throws an `Error` whose message is one non-empty
//     line that says what was wrong (not a JS engine message such as
//     "Cannot read properties of null");
//   - a call given an argument of the wrong kind (a string where a number
//     goes, NaN where an integer goes, an object where a tensor goes, an
//     unknown dtype name) throws rather than silently computing something.
// Violations that are already reported bugs are matched by KNOWN_BUGS and
// counted separately; anything else fails the campaign.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import * as torchModule from '../../ts/index';
import { generatedMethods } from '../../ts/generated/methods';
import { messageProblem } from './messages';

// The fuzzer passes wrong types on purpose, so it talks to the API untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const torch: Any = torchModule;
const { nn, optim } = torch;

// ---------------------------------------------------------------------------
// Argument building blocks
// ---------------------------------------------------------------------------

/** A deliberately wrong argument: `v` is passed as is; `$junk` says why it is wrong. */
interface Junk {
  $junk: string;
  v: unknown;
}
/** A tensor to build when the scenario runs. */
interface TensorSpec {
  dtype: string;
  shape: number[];
  fill: 'rand' | 'special' | 'labels' | 'zeros';
  req: boolean;
  nc: boolean;
  disposed: boolean;
}
interface TensorArg {
  $t: TensorSpec;
}

const junk = (why: string, v: unknown): Junk => ({ $junk: why, v });

const FLOAT_DTYPES = ['float32', 'float64', 'float16', 'bfloat16'];
const INT_DTYPES = ['int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];
const DTYPES = [...FLOAT_DTYPES, ...INT_DTYPES];

/** Values of the wrong JS type, for any parameter that is not an object. */
const wrongType: fc.Arbitrary<Junk> = fc.constantFrom<Junk>(
  junk('string', '3'),
  junk('string', 'x'),
  junk('null', null),
  junk('object', {}),
  junk('array', []),
  junk('array', [1, 2]),
  junk('function', () => 1),
  junk('bigint', 3n),
  junk('symbol', Symbol('s')),
  junk('date', new Date(0)),
);

/** Numbers that are not integers (junk where an integer goes). */
const nonInteger: fc.Arbitrary<Junk> = fc.constantFrom<Junk>(
  junk('NaN', NaN),
  junk('Infinity', Infinity),
  junk('-Infinity', -Infinity),
  junk('fraction', 1.5),
  junk('fraction', -0.25),
  junk('overflow', 1e300),
);

/**
 * Integers too large for any allocation on this machine (≥ 2^37 elements even
 * at one byte each), so a size built from them must fail before allocating:
 * never pick mid-range sizes that a 24 GB machine would actually fill.
 */
const hugeInt = fc.oneof(
  fc.constantFrom(2 ** 37, 1e12, 2 ** 53, Number.MAX_SAFE_INTEGER, 2 ** 62, 2 ** 63, 2 ** 64),
  fc.integer({ min: 37, max: 62 }).map((e) => 2 ** e),
);

/** A size / count / dimension: mostly small and valid, sometimes huge, negative or junk. */
function intArg(lo = -2, hi = 6): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: lo, max: hi }), weight: 12 },
    { arbitrary: hugeInt, weight: 1 },
    { arbitrary: hugeInt.map((v) => -v), weight: 1 },
    { arbitrary: nonInteger, weight: 2 },
    { arbitrary: wrongType, weight: 2 },
  );
}

/** A dimension index: small (often out of range), sometimes junk. */
const dimArg = intArg(-5, 5);

/** A size list for zeros/view/reshape/expand: small dims, sometimes huge or junk. */
const sizeList: fc.Arbitrary<unknown[]> = fc.array(
  fc.oneof(
    { arbitrary: fc.integer({ min: -1, max: 4 }), weight: 14 },
    { arbitrary: hugeInt, weight: 1 },
    { arbitrary: fc.integer({ min: -3, max: -2 }), weight: 1 },
    { arbitrary: nonInteger, weight: 1 },
    { arbitrary: wrongType, weight: 1 },
  ),
  { maxLength: 5 },
);

/** A float scalar: ordinary, special (NaN/Inf/-0/extremes), or of the wrong type. */
const floatArg: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.double({ min: -10, max: 10, noNaN: true }), weight: 8 },
  { arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, -1e308, 5e-324, 2 ** 63), weight: 3 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: wrongType.filter((j) => j.$junk !== 'bigint'), weight: 2 },
);

const dtypeArg: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...DTYPES), weight: 8 },
  { arbitrary: fc.constantFrom(...DTYPES).map((d) => ({ $dtype: d })), weight: 3 },
  {
    arbitrary: fc.constantFrom<Junk>(
      junk('unknown dtype', 'float128'),
      junk('unknown dtype', 'complex64'),
      junk('unknown dtype', ''),
      junk('unknown dtype', 'Float32'),
      junk('number', 6),
      junk('object', {}),
      junk('null', null),
    ),
    weight: 2,
  },
);

/** Devices: cpu, devices this machine does not have (refused cleanly), nonsense. */
const deviceArg: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom('cpu', 'cpu:0'), weight: 6 },
  { arbitrary: fc.constantFrom('cuda', 'cuda:0', 'cuda:7', 'mps'), weight: 2 },
  {
    arbitrary: fc.constantFrom<Junk>(
      junk('unknown device', 'tpu'),
      junk('unknown device', ''),
      junk('unknown device', 'cuda:x'),
      junk('unknown device', 'cuda:99999999999999999999999'),
      junk('unknown device', 'cpu:-1'),
      junk('number', 0),
      junk('object', {}),
    ),
    weight: 2,
  },
);

/** `{ dtype, device, requiresGrad }` bags, sometimes missing, empty or not an object. */
const tensorOptions: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 4 },
  {
    arbitrary: fc.record(
      { dtype: dtypeArg, device: deviceArg, requiresGrad: fc.oneof(fc.boolean(), wrongType) },
      { requiredKeys: [] },
    ),
    weight: 6,
  },
);

function tensorSpec(opts: { dtypes?: string[]; maxDims?: number; fill?: TensorSpec['fill'][]; disposed?: boolean } = {}): fc.Arbitrary<TensorArg> {
  return fc
    .record({
      dtype: fc.constantFrom(...(opts.dtypes ?? DTYPES)),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: opts.maxDims ?? 4 }),
      fill: fc.constantFrom(...(opts.fill ?? (['rand', 'rand', 'special', 'labels', 'zeros'] as const))),
      req: fc.boolean(),
      nc: fc.boolean(),
      disposed: opts.disposed === false ? fc.constant(false) : fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    })
    .map((s) => ({ $t: s }));
}

const anyTensor = tensorSpec();
const floatTensor = tensorSpec({ dtypes: ['float32', 'float32', 'float64', 'float16', 'bfloat16'] });

/** Something that is not a tensor, where a tensor goes. */
const notTensor: fc.Arbitrary<Junk> = fc.oneof(
  wrongType,
  fc.constantFrom<Junk>(junk('number', 2), junk('undefined', undefined), junk('boolean', true), junk('nested array', [[1, 2], [3, 4]]), junk('tensor-like object', { _n: {}, shape: [2] })),
);

const tensorOrJunk = fc.oneof({ arbitrary: anyTensor, weight: 8 }, { arbitrary: notTensor, weight: 2 });

// ---------------------------------------------------------------------------
// Materializing arguments
// ---------------------------------------------------------------------------

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e38, -1e-45, 3.5, -7, 65504, 1e6];

function makeTensor(spec: TensorSpec): Any {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const shape = spec.nc && spec.shape.length >= 2 ? [...spec.shape.slice(0, -2), spec.shape[spec.shape.length - 1]!, spec.shape[spec.shape.length - 2]!] : spec.shape;
  let t: Any;
  switch (spec.fill) {
    case 'rand':
      t = torch.rand(shape).mul(10).sub(5).to(spec.dtype);
      break;
    case 'special':
      t = torch.tensor(Float64Array.from({ length: n }, (_, i) => SPECIALS[i % SPECIALS.length]!)).reshape(shape).to(spec.dtype);
      break;
    case 'labels':
      t = torch.randint(-1, 4, shape).to(spec.dtype);
      break;
    default:
      t = torch.zeros(shape, { dtype: spec.dtype });
  }
  if (spec.nc && spec.shape.length >= 2) t = t.transpose(-1, -2);
  if (spec.req && FLOAT_DTYPES.includes(spec.dtype)) t = t.detach().requiresGrad_(true);
  if (spec.disposed) t.dispose();
  return t;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object';
}

/** Replaces placeholders by real values; collects why the call must fail. */
function materialize(v: unknown, reasons: string[], where: string): unknown {
  if (!isObj(v)) return v;
  if ('$junk' in v) {
    reasons.push(`${where}: ${String((v as unknown as Junk).$junk)}`);
    return (v as unknown as Junk).v;
  }
  if ('$t' in v) {
    const spec = (v as unknown as TensorArg).$t;
    if (spec.disposed) reasons.push(`${where}: disposed tensor`);
    return makeTensor(spec);
  }
  if ('$dtype' in v) return torch[(v as { $dtype: string }).$dtype];
  if (Array.isArray(v)) return v.map((x, i) => materialize(x, reasons, `${where}[${i}]`));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v; // typed arrays, Dates, ... pass as they are
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = materialize(x, reasons, `${where}.${k}`);
  return out;
}


// ---- issue 15's modules ------------------------------------------------------

/** A count or size as users get it wrong: mostly small, sometimes 0, negative, fractional or NaN (never huge: no 10^12-element weights). */
const rawCount: fc.Arbitrary<number> = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 5 }), weight: 10 }, { arbitrary: fc.constantFrom(0, -1, 1.5, NaN, Infinity), weight: 2 });
/** A float hyper-parameter: ordinary, or out of range, NaN or infinite. */
const rawFloat: fc.Arbitrary<number> = fc.oneof({ arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 8 }, { arbitrary: fc.constantFrom(-1, 0, 2, NaN, Infinity, -Infinity, 1e308), weight: 2 });

const NEW_LAYERS = [
  'Conv1d', 'Conv2d', 'ConvTranspose1d', 'ConvTranspose2d', 'MaxPool1d', 'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'BatchNorm1d', 'BatchNorm2d',
  'LayerNorm', 'GroupNorm', 'Embedding', 'RNN', 'LSTM', 'GRU', 'MultiheadAttention', 'TransformerEncoderLayer', 'LeakyReLU', 'ELU', 'GELU', 'SiLU',
  'Softplus', 'LogSoftmax', 'Hardtanh', 'Unflatten',
];

/** A layer of kind `name` from four raw counts, a raw float and a flag (bias, batchFirst, ...). */
function makeLayer(name: string, [a, b, c, d]: number[], f: number, flag: boolean): Any {
  switch (name) {
    case 'Conv1d': case 'Conv2d': return new nn[name](a, b, c, { stride: d, padding: flag ? 'same' : 0, bias: flag });
    case 'ConvTranspose1d': case 'ConvTranspose2d': return new nn[name](a, b, c, { stride: d, groups: flag ? 1 : a });
    case 'MaxPool1d': case 'MaxPool2d': return new nn[name](a, { stride: b, padding: c - 1, ceilMode: flag });
    case 'AvgPool2d': return new nn.AvgPool2d(a, { stride: b, padding: c - 1, ceilMode: flag });
    case 'AdaptiveAvgPool2d': return new nn.AdaptiveAvgPool2d(flag ? [a, b] : a);
    case 'BatchNorm1d': case 'BatchNorm2d': return new nn[name](a, { eps: f, momentum: f, affine: flag });
    case 'LayerNorm': return new nn.LayerNorm(flag ? [a, b] : a, { eps: f });
    case 'GroupNorm': return new nn.GroupNorm(a, b, { eps: f, affine: flag });
    case 'Embedding': return new nn.Embedding(a, b, { paddingIdx: flag ? c - 2 : undefined, maxNorm: flag ? f : undefined });
    case 'RNN': case 'LSTM': case 'GRU': return new nn[name](a, b, { numLayers: c, batchFirst: flag, bidirectional: d % 2 === 0, dropout: f });
    case 'MultiheadAttention': return new nn.MultiheadAttention(a, b, { batchFirst: flag, dropout: f });
    case 'TransformerEncoderLayer': return new nn.TransformerEncoderLayer(a, b, { dimFeedforward: c, dropout: f, batchFirst: flag });
    case 'LeakyReLU': return new nn.LeakyReLU(f);
    case 'ELU': return new nn.ELU(f);
    case 'GELU': return new nn.GELU(flag ? { approximate: 'tanh' } : {});
    case 'SiLU': return new nn.SiLU();
    case 'Softplus': return new nn.Softplus({ beta: f, threshold: a });
    case 'LogSoftmax': return new nn.LogSoftmax(a - 3);
    case 'Hardtanh': return new nn.Hardtanh(-f, f);
    default: return new nn.Unflatten(a - 3, [b, c]);
  }
}

const NEW_LOSSES = ['BCELoss', 'L1Loss', 'SmoothL1Loss', 'HuberLoss', 'KLDivLoss', 'SoftMarginLoss', 'PoissonNLLLoss', 'CosineEmbeddingLoss', 'MarginRankingLoss', 'GaussianNLLLoss'];
const NEW_OPTIMIZERS = ['RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam', 'LBFGS'];
const SCHEDULERS = [
  'StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'OneCycleLR', 'LambdaLR', 'ReduceLROnPlateau', 'LinearLR', 'ConstantLR', 'PolynomialLR',
  'CosineAnnealingWarmRestarts', 'MultiplicativeLR', 'SequentialLR', 'ChainedScheduler',
];

/** Bytes of a small valid .pt file (views, a state dict, nested containers), built in the child once. */
let validPtBytes: Buffer | null = null;
function validPt(): Buffer {
  if (!validPtBytes) {
    const f = path.join(tmpDir, 'valid.pt');
    const base = torch.arange(12, { dtype: 'float32' }).reshape(3, 4);
    torch.save({ model: new nn.Linear(2, 3).stateDict(), views: [base, base.t(), base.select(1, 2)], step: 7, nested: { a: [1.5, 'x', null, true] } }, f);
    validPtBytes = fs.readFileSync(f);
  }
  return validPtBytes;
}

const ptCase = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), cut: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('pickle' as const), bytes: fc.uint8Array({ maxLength: 48 }), proto: fc.boolean() }),
);

function writePtCase(c: Any): string {
  const file = path.join(tmpDir, `f${fileCounter++ % 8}.pt`);
  let bytes: Buffer;
  if (c.kind === 'random') bytes = Buffer.concat([Buffer.from('PK'), Buffer.from(c.bytes)]);
  else if (c.kind === 'truncate') bytes = validPt().subarray(0, c.cut % validPt().length);
  else if (c.kind === 'flip') {
    bytes = Buffer.from(validPt());
    for (const [at, v] of c.flips) bytes[at % bytes.length] = v;
  } else {
    // a zip whose data.pkl is random opcodes (after a protocol-2 header, or not)
    const pkl = Buffer.concat([Buffer.from(c.proto ? [0x80, 2] : []), Buffer.from(c.bytes), Buffer.from('.')]);
    bytes = Buffer.from(zipSync({ 'a/data.pkl': new Uint8Array(pkl), 'a/data/0': new Uint8Array(16) }, { level: 0 }));
  }
  fs.writeFileSync(file, bytes);
  return file;
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

interface OpDef {
  args: fc.Arbitrary<unknown[]>;
  call: (...args: Any[]) => unknown;
  /** Junk that this op legitimately accepts (e.g. a number where `max` takes a dim or a tensor). */
  lenient?: (reason: string, args: unknown[]) => boolean;
  /** Which arguments are options bags (for the "options are not validated" known bug). */
  options?: number[];
  weight?: number;
}

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchts-fuzz-'));
process.on('exit', () => fs.rmSync(tmpDir, { recursive: true, force: true }));
// Relative junk paths ('x', '3') given to torch.save land here, not in the repository.
process.chdir(tmpDir);
let fileCounter = 0;
const tmpFile = () => path.join(tmpDir, `f${fileCounter++ % 8}.safetensors`);

/** Reads results so lazily failing paths run too (bounded: views can be huge). */
function touch(r: unknown, depth = 0): void {
  if (depth > 2 || !isObj(r)) return;
  if (r instanceof torch.Tensor) {
    const t = r as Any;
    void t.shape;
    void t.dtype;
    if (t.numel() <= 4096) {
      t.toArray();
      String(t);
    }
    return;
  }
  if (Array.isArray(r)) for (const x of r.slice(0, 4)) touch(x, depth + 1);
  else if (r instanceof Map) for (const x of [...r.values()].slice(0, 4)) touch(x, depth + 1);
}

const SCALAR_BINARY = ['add', 'sub', 'mul', 'div', 'add_', 'pow', 'remainder', 'eq', 'ne', 'gt', 'lt', 'ge', 'le'];
const TENSOR_BINARY = ['maximum', 'minimum', 'logicalAnd', 'logicalOr', 'matmul', 'mm', 'equal', 'allclose', 'copy_', 'maskedSelect', 'index'];
const UNARY = [
  'neg', 'abs', 'exp', 'log', 'sqrt', 'square', 'reciprocal', 'sign', 'floor', 'ceil', 'round', 'sin', 'cos', 'relu', 'sigmoid', 'tanh',
  'isnan', 'isfinite', 'nonzero', 'logicalNot', 't', 'contiguous', 'clone', 'detach', 'float', 'double', 'half', 'long', 'int', 'bool', 'cpu',
  'all', 'any', 'numel', 'dim', 'item', 'toArray', 'data', 'toString', 'zero_', 'isLeaf', 'dispose', 'size',
];

const lossOptions = fc.record(
  {
    reduction: fc.oneof(fc.constantFrom('mean', 'sum', 'none'), fc.constantFrom<Junk>(junk('unknown reduction', 'avg'), junk('number', 1), junk('null', null))),
    ignoreIndex: fc.oneof(fc.integer({ min: -100, max: 4 }), nonInteger, wrongType),
    labelSmoothing: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom<Junk>(junk('out of range', 1.5), junk('out of range', -0.1), junk('NaN', NaN)), wrongType),
    weight: fc.oneof(floatTensor, notTensor),
    posWeight: fc.oneof(floatTensor, notTensor),
  },
  { requiredKeys: [] },
);

const LOSSES = ['CrossEntropyLoss', 'NLLLoss', 'MSELoss', 'BCEWithLogitsLoss'];
const FUNCTIONAL_LOSSES = ['crossEntropy', 'nllLoss', 'mseLoss', 'binaryCrossEntropyWithLogits'];

/** A small model: Sequential of built-ins (fusable), or a subclass (eager). */
const modelSpec = fc.record({
  inF: fc.integer({ min: 1, max: 4 }),
  hidden: fc.integer({ min: 1, max: 6 }),
  out: fc.integer({ min: 1, max: 3 }),
  custom: fc.boolean(),
  dropout: fc.boolean(),
});

function buildModel(m: { inF: number; hidden: number; out: number; custom: boolean; dropout: boolean }): Any {
  if (m.custom) {
    class Custom extends nn.Module {
      l1 = new nn.Linear(m.inF, m.hidden);
      l2 = new nn.Linear(m.hidden, m.out);
      forward(x: Any) {
        return this.l2.forward(torch.relu(this.l1.forward(x)));
      }
    }
    return new Custom();
  }
  const layers = [new nn.Linear(m.inF, m.hidden), new nn.ReLU()];
  if (m.dropout) layers.push(new nn.Dropout(0.2));
  layers.push(new nn.Linear(m.hidden, m.out));
  return new nn.Sequential(...layers);
}

const optimizerOptions = fc.record(
  {
    lr: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom<Junk>(junk('negative lr', -0.1), junk('NaN', NaN)), wrongType, fc.constant(Infinity)),
    betas: fc.oneof(fc.tuple(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true })), fc.constantFrom<Junk>(junk('beta out of range', [1, 2]), junk('beta out of range', [-1, 0.5]), junk('NaN', [NaN, NaN])), wrongType),
    eps: fc.oneof(fc.constantFrom(1e-8, 0, 1), fc.constantFrom<Junk>(junk('negative eps', -1)), wrongType),
    weightDecay: fc.oneof(fc.constantFrom(0, 0.01), fc.constantFrom<Junk>(junk('negative weight decay', -1)), wrongType),
    momentum: fc.oneof(fc.constantFrom(0, 0.9), fc.constantFrom<Junk>(junk('negative momentum', -1)), wrongType),
    dampening: fc.oneof(fc.constantFrom(0, 0.1), wrongType),
    nesterov: fc.oneof(fc.boolean(), wrongType),
    amsgrad: fc.oneof(fc.boolean(), wrongType),
    maximize: fc.oneof(fc.boolean(), wrongType),
  },
  { requiredKeys: [] },
);

/** Bytes of a small valid safetensors file (built in the child, once). */
let validSafetensors: Buffer | null = null;
function validFile(): Buffer {
  if (!validSafetensors) {
    const f = path.join(tmpDir, 'valid.safetensors');
    torch.save({ 'a.weight': torch.ones(3, 2), 'a.bias': torch.arange(3, { dtype: 'int64' }), flag: torch.tensor([true, false]) }, f);
    validSafetensors = fs.readFileSync(f);
  }
  return validSafetensors;
}

function headerFile(header: unknown, dataBytes: number, lengthOverride?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(dataBytes)]);
}

const ST_DTYPES = ['F32', 'F64', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'C64', 'Q9', ''];

const safetensorsCase = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), cut: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('hugeHeaderLength' as const), length: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(2n ** 63n, (1n << 64n) - 1n, 100000000n)) }),
  fc.record({
    kind: fc.constant('header' as const),
    dtype: fc.constantFrom(...ST_DTYPES),
    shape: fc.array(fc.oneof(fc.integer({ min: -2, max: 5 }), hugeInt, fc.constant(2 ** 32)), { maxLength: 4 }),
    offsets: fc.tuple(fc.integer({ min: -1, max: 40 }), fc.oneof(fc.integer({ min: -1, max: 40 }), hugeInt)),
    data: fc.integer({ min: 0, max: 40 }),
    meta: fc.oneof(fc.constant(undefined), fc.constant({ format: 'pt' }), fc.constant(5), fc.constant({ a: 1 })),
    raw: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.string({ maxLength: 30 }), weight: 1 }),
  }),
  fc.record({ kind: fc.constant('path' as const), path: fc.oneof(fc.constantFrom<unknown>('', '/nonexistent/x.safetensors', '/', '.', '/dev/null', '/proc/self/status'), wrongType) }),
);

function writeSafetensorsCase(c: Any): unknown {
  if (c.kind === 'path') return c.path;
  const file = tmpFile();
  let bytes: Buffer;
  switch (c.kind) {
    case 'random':
      bytes = Buffer.from(c.bytes);
      break;
    case 'truncate': {
      const v = validFile();
      bytes = v.subarray(0, c.cut % v.length);
      break;
    }
    case 'flip': {
      bytes = Buffer.from(validFile());
      bytes[c.at % bytes.length] = c.value;
      break;
    }
    case 'hugeHeaderLength':
      bytes = headerFile({}, 8, c.length);
      break;
    default: {
      const header: Record<string, unknown> = { t: { dtype: c.dtype, shape: c.shape, data_offsets: c.offsets } };
      if (c.meta !== undefined) header.__metadata__ = c.meta;
      bytes = headerFile(c.raw ?? header, c.data);
    }
  }
  fs.writeFileSync(file, bytes);
  return file;
}

// The three crashes the campaign found (int64 arange with a step that
// truncates to 0: SIGFPE; expand() to a huge size: V8 abort on the external
// memory report; setNumThreads(1e10): libgomp exit) are fixed, and their
// inputs are generated again. test/fuzz.test.ts keeps a regression test each.

const OPS: Record<string, OpDef> = {
  // ---- creation ------------------------------------------------------------
  factory: {
    args: fc.tuple(fc.constantFrom('zeros', 'ones', 'empty', 'rand', 'randn'), sizeList, fc.boolean(), tensorOptions),
    call: (fn, sizes, spread, opts) => (spread ? torch[fn](...sizes, ...(opts === undefined ? [] : [opts])) : torch[fn](sizes, opts)),
    weight: 3,
  },
  full: {
    args: fc.tuple(sizeList, floatArg, tensorOptions),
    call: (sizes, value, opts) => torch.full(sizes, value, opts),
  },
  arange: {
    // Ranges here either are small or overflow: never 10^8-element ones.
    args: fc.tuple(
      fc.constantFrom<unknown>(0, -3, 2.5, NaN, Infinity, junk('string', '1'), junk('null', null)),
      fc.constantFrom<unknown>(5, -5, 0, 1e300, Infinity, NaN, 2 ** 40, junk('object', {})),
      fc.constantFrom<unknown>(1, -1, 0.5, 0, 1e-300, NaN, undefined),
      tensorOptions,
    ),
    call: (start, end, step, opts) => torch.arange(start, end, ...(step === undefined ? [] : [step]), ...(opts === undefined ? [] : [opts])),
  },
  linspace: {
    args: fc.tuple(floatArg, floatArg, intArg(-2, 8), tensorOptions),
    call: (a, b, steps, opts) => torch.linspace(a, b, steps, opts),
  },
  eye: {
    args: fc.tuple(intArg(-1, 5), fc.oneof(fc.constant(undefined), intArg(-1, 5)), tensorOptions),
    call: (n, m, opts) => torch.eye(n, m, opts),
  },
  randint: {
    args: fc.tuple(intArg(-5, 5), intArg(-5, 10), sizeList, tensorOptions),
    call: (lo, hi, size, opts) => torch.randint(lo, hi, size, opts),
  },
  randperm: {
    args: fc.tuple(intArg(-2, 20), tensorOptions),
    call: (n, opts) => torch.randperm(n, opts),
  },
  tensor: {
    args: fc.tuple(
      fc.oneof(
        fc.array(fc.oneof(fc.double(), fc.boolean()), { maxLength: 6 }),
        fc.array(fc.array(fc.double({ noNaN: false }), { minLength: 2, maxLength: 2 }), { maxLength: 4 }),
        fc.array(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), { minLength: 1, maxLength: 3 }).map((v) => (v.some((x) => x >= 2n ** 63n || x < -(2n ** 63n)) ? junk('int64 overflow', v) : v)),
        fc.constantFrom<unknown>(
          junk('ragged', [[1, 2], [3]]),
          junk('string element', ['a', 'b']),
          junk('mixed element', [1, 'a']),
          junk('null element', [null]),
          junk('undefined element', [undefined, 1]),
          junk('object element', [{}]),
          [1n, 2.5],
          junk('not an array', 'abc'),
          junk('null', null),
          junk('undefined', undefined),
          junk('object', { length: 2, 0: 1, 1: 2 }),
          3.5,
          true,
          [],
          [[], []],
          new Float32Array([1, NaN, Infinity]),
          new BigInt64Array([1n, -1n]),
          new Uint8Array(0),
        ),
      ),
      tensorOptions,
    ),
    call: (data, opts) => torch.tensor(data, opts),
  },
  fromTypedArray: {
    args: fc.tuple(fc.constantFrom<unknown>(new Float32Array(6), new Int32Array(4), new Uint8Array(3), junk('not typed', [1, 2, 3]), junk('unsupported typed array', new Uint16Array(2))), fc.oneof(fc.constant(undefined), sizeList), tensorOptions),
    call: (data, shape, opts) => torch.fromTypedArray(data, shape, opts),
  },

  // ---- the generated surface (ts/generated: every ATen op as a Tensor method)
  // Random tensors, numbers, sizes, options and junk: many calls are valid,
  // so every outcome is allowed except a crash or a message that is not one
  // line (PyTorch's own argument checks and libtorch's errors word the rest).
  generated: {
    args: fc.tuple(
      anyTensor,
      fc.constantFrom(...generatedMethods),
      fc.array(fc.oneof(anyTensor, floatArg, dimArg, sizeList, dtypeArg, notTensor, fc.constant(null)), { maxLength: 4 }),
    ),
    call: (a, op, rest) => a[op](...rest),
    lenient: () => true,
    weight: 4,
  },
  // ---- tensor methods ------------------------------------------------------
  scalarBinary: {
    args: fc.tuple(anyTensor, fc.constantFrom(...SCALAR_BINARY), fc.oneof({ arbitrary: anyTensor, weight: 4 }, { arbitrary: floatArg, weight: 4 }, { arbitrary: notTensor, weight: 1 })),
    call: (a, op, b) => a[op](b),
    lenient: (r) => /: (number|boolean)$/.test(r),
    weight: 4,
  },
  tensorBinary: {
    args: fc.tuple(anyTensor, fc.constantFrom(...TENSOR_BINARY), tensorOrJunk),
    call: (a, op, b) => a[op](b),
    // t.index(x) is Python's t[x]: None (null), a list and a bool are indices there too
    lenient: (r, [, op]) => op === 'index' && /^arg2: (null|array|boolean)$/.test(r),
    weight: 3,
  },
  unary: {
    args: fc.tuple(anyTensor, fc.constantFrom(...UNARY)),
    call: (a, op) => (typeof a[op] === 'function' ? a[op]() : a[op]),
    lenient: (r, [, op]) => op === 'dispose' && r.endsWith('disposed tensor'),
    weight: 3,
  },
  inplaceScalar: {
    args: fc.tuple(anyTensor, fc.constantFrom('fill_', 'mul_', 'uniform_', 'normal_', 'clamp'), floatArg, fc.oneof(fc.constant(undefined), floatArg)),
    call: (a, op, x, y) => a[op](x, y),
    lenient: (r, [, op]) => op === 'clamp' && r.endsWith(': null'), // clamp(null, max)
  },
  reduce: {
    args: fc.tuple(
      anyTensor,
      fc.constantFrom('sum', 'mean', 'max', 'min', 'argmax', 'argmin', 'softmax', 'logSoftmax'),
      fc.oneof(fc.constant(undefined), dimArg, fc.array(dimArg, { maxLength: 3 }), anyTensor),
      fc.oneof(fc.constant(undefined), fc.record({ keepdim: fc.oneof(fc.boolean(), wrongType), dtype: dtypeArg }, { requiredKeys: [] }), wrongType),
    ),
    call: (a, op, dim, opts) => a[op](dim, opts),
    // a null dim means "all dims" (None); options an op does not take (argmax's dtype) are ignored
    lenient: (r, [, op]) => r === 'arg2: null' || (r === 'arg2: array' && (op === 'sum' || op === 'mean')) || (r.startsWith('arg3.dtype') && ['max', 'min', 'argmax', 'argmin'].includes(op as string)) || (r.startsWith('arg3.keepdim') && ['softmax', 'logSoftmax'].includes(op as string)),
    weight: 3,
  },
  shape: {
    args: fc.tuple(anyTensor, fc.constantFrom('reshape', 'view', 'expand', 'permute'), sizeList, fc.boolean()),
    // view(...[[1, 2]]) is view([1, 2]): one array in the spread form is the array form
    lenient: (r, [, , sizes, spread]) => spread === true && (sizes as unknown[]).length === 1 && r === 'arg2[0]: array',
    call: (a, op, sizes, spread) => (spread ? a[op](...sizes) : a[op](sizes)),
    weight: 3,
  },
  dims: {
    // each method with exactly the arguments it takes, so junk is never in an unused position
    args: fc.oneof(
      fc.tuple(anyTensor, fc.constant('flatten'), dimArg, dimArg),
      fc.tuple(anyTensor, fc.constant('squeeze'), fc.oneof(fc.constant(undefined), dimArg)),
      fc.tuple(anyTensor, fc.constant('unsqueeze'), dimArg),
      fc.tuple(anyTensor, fc.constant('transpose'), dimArg, dimArg),
      fc.tuple(anyTensor, fc.constant('select'), dimArg, intArg(-3, 4)),
      fc.tuple(anyTensor, fc.constant('narrow'), dimArg, intArg(-3, 4), intArg(-1, 4)),
      fc.tuple(anyTensor, fc.constant('slice'), dimArg, fc.oneof(fc.constant(undefined), intArg(-3, 4)), fc.oneof(fc.constant(undefined), intArg(-3, 4)), fc.oneof(fc.constant(undefined), intArg(-1, 3))),
      fc.tuple(anyTensor, fc.constant('size'), dimArg),
    ),
    call: (a, op, ...rest) => a[op](...rest),
    lenient: (r) => r.endsWith(': null'), // null for an optional dim/start/end means None
    weight: 3,
  },
  indexing: {
    args: fc.oneof(
      fc.tuple(anyTensor, fc.constant('indexSelect'), dimArg, tensorOrJunk),
      fc.tuple(anyTensor, fc.constant('gather'), dimArg, tensorOrJunk),
      fc.tuple(anyTensor, fc.constant('maskedFill'), tensorOrJunk, floatArg),
      fc.tuple(anyTensor, fc.constant('where'), tensorOrJunk, tensorOrJunk),
    ),
    call: (a, op, ...rest) => a[op](...rest),
    weight: 2,
  },
  to: {
    args: fc.tuple(anyTensor, fc.oneof(dtypeArg, deviceArg, fc.record({ dtype: dtypeArg, device: deviceArg, copy: fc.oneof(fc.boolean(), wrongType) }, { requiredKeys: [] }), wrongType)),
    call: (a, target) => a.to(target),
    lenient: (r) => r === 'arg1: object', // t.to({}) is t.to() with no changes
  },
  autograd: {
    args: fc.record({
      x: floatTensor,
      chain: fc.constantFrom('none', 'mul', 'sum', 'sigmoid'),
      gradient: fc.oneof(fc.constant(undefined), anyTensor, notTensor),
      retainGraph: fc.oneof(fc.constant(undefined), fc.boolean(), wrongType),
      twice: fc.boolean(),
      mutate: fc.boolean(),
    }).map((r) => [r]),
    call: (r) => {
      let y = r.x;
      if (r.chain === 'mul') y = r.x.mul(2);
      if (r.chain === 'sum') y = r.x.mul(3).sum();
      if (r.chain === 'sigmoid') y = r.x.sigmoid().sum();
      if (r.mutate && !r.x.isLeaf) r.x.mul_(2);
      y.backward(r.gradient, r.retainGraph === undefined ? undefined : { retainGraph: r.retainGraph });
      if (r.twice) y.backward(r.gradient);
      return r.x.grad;
    },
    lenient: (r) => r === 'arg0.gradient: undefined',
    weight: 2,
  },
  requiresGrad: {
    args: fc.tuple(anyTensor, fc.boolean(), fc.oneof(fc.boolean(), wrongType), fc.constantFrom('setter', 'method', 'grad=')),
    call: (a, nonLeaf, value, how) => {
      const t = nonLeaf ? a.mul(1) : a;
      if (how === 'setter') t.requiresGrad = value;
      else if (how === 'method') t.requiresGrad_(value);
      else t.grad = value === true || value === false ? null : value;
      return t;
    },
    lenient: (r, [, , , how]) => how === 'grad=' && r.endsWith(': null'),
  },
  catStack: {
    args: fc.tuple(fc.constantFrom('cat', 'stack', 'concat'), fc.oneof({ arbitrary: fc.array(tensorOrJunk, { maxLength: 4 }), weight: 6 }, { arbitrary: notTensor, weight: 1 }), fc.oneof(fc.constant(undefined), dimArg)),
    call: (fn, list, dim) => torch[fn](list, dim),
    weight: 2,
  },
  functions: {
    args: fc.oneof(
      fc.tuple(fc.constantFrom('max', 'min'), tensorOrJunk, fc.oneof(fc.constant(undefined), dimArg, tensorOrJunk), fc.oneof(fc.constant(undefined), fc.record({ keepdim: fc.oneof(fc.boolean(), wrongType) }, { requiredKeys: [] }))),
      fc.tuple(fc.constant('where'), tensorOrJunk, tensorOrJunk, tensorOrJunk),
      fc.tuple(fc.constant('allclose'), tensorOrJunk, tensorOrJunk, fc.oneof(fc.constant(undefined), fc.record({ rtol: floatArg, atol: floatArg, equalNan: fc.oneof(fc.boolean(), wrongType) }, { requiredKeys: [] }))),
      fc.tuple(fc.constant('equal'), tensorOrJunk, tensorOrJunk),
      fc.tuple(fc.constant('softmax'), tensorOrJunk, dimArg, fc.oneof(fc.constant(undefined), fc.record({ dtype: dtypeArg }, { requiredKeys: [] }))),
      fc.tuple(fc.constant('transpose'), tensorOrJunk, dimArg, dimArg),
      fc.tuple(fc.constantFrom('permute', 'reshape'), tensorOrJunk, sizeList),
      fc.tuple(fc.constant('indexSelect'), tensorOrJunk, dimArg, tensorOrJunk),
    ),
    call: (fn, ...rest) => torch[fn](...rest),
    // max(t, 2) / max(t, true): a dim; allclose's rtol/atol are floats where NaN is a value
    lenient: (r, [fn]) => (/^arg2: (number|boolean|undefined)$/.test(r) && (fn === 'max' || fn === 'min')) || (fn === 'allclose' && /^arg3\.(rtol|atol): /.test(r) && !/(string|object|array|function|symbol|date)$/.test(r)),
    options: [3],
  },

  // ---- nn ------------------------------------------------------------------
  linear: {
    args: fc.tuple(intArg(-1, 5), intArg(-1, 5), fc.oneof(fc.constant(undefined), fc.record({ bias: fc.oneof(fc.boolean(), wrongType), dtype: dtypeArg, device: deviceArg }, { requiredKeys: [] })), fc.oneof(anyTensor, notTensor)),
    call: (inF, outF, opts, x) => {
      const layer = new nn.Linear(inF, outF, opts);
      return [String(layer), layer.forward(x)];
    },
    weight: 2,
  },
  loss: {
    args: fc.tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      fc.oneof(fc.constant(undefined), lossOptions),
      fc.oneof({ arbitrary: tensorSpec({ maxDims: 3 }), weight: 6 }, { arbitrary: notTensor, weight: 1 }),
      fc.oneof({ arbitrary: tensorSpec({ maxDims: 2, fill: ['labels', 'labels', 'rand', 'special'] }), weight: 6 }, { arbitrary: notTensor, weight: 1 }),
    ),
    call: (k, functional, opts, input, target) => {
      if (functional) return nn.functional[FUNCTIONAL_LOSSES[k]!](input, target, opts);
      const criterion = new nn[LOSSES[k]!](opts);
      return criterion.forward(input, target);
    },
    // options a loss does not take are ignored, as Python's **kwargs would not be
    lenient: (r) => /^arg2\.(posWeight|weight|ignoreIndex|labelSmoothing)/.test(r),
    weight: 4,
  },
  crossEntropyLabels: {
    // The tutorial's case: logits (N, C), int64 labels, some out of range.
    args: fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 }), fc.array(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 4 }), weight: 6 }, { arbitrary: fc.integer({ min: -1000, max: 1000 }), weight: 1 }, { arbitrary: fc.constantFrom(-100, 2 ** 40, -(2 ** 40)), weight: 1 }), { maxLength: 5 }), fc.constantFrom('int64', 'int64', 'int32', 'uint8', 'float32')),
    call: (n, c, labels, dtype) => {
      const logits = torch.randn(n, c);
      const target = torch.tensor(BigInt64Array.from(labels.slice(0, n).concat(Array(Math.max(0, n - labels.length)).fill(0)).map(BigInt))).to(dtype);
      return new nn.CrossEntropyLoss().forward(logits, target);
    },
    weight: 2,
  },
  dropout: {
    args: fc.tuple(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom<Junk>(junk('out of range', 1.5), junk('out of range', -0.5), junk('NaN', NaN)), wrongType), fc.boolean(), anyTensor),
    call: (p, training, x) => {
      const d = new nn.Dropout(p);
      d.train(training);
      return d.forward(x);
    },
  },
  sequential: {
    args: fc.tuple(fc.array(fc.oneof(fc.constantFrom('linear', 'relu', 'tanh', 'sigmoid', 'flatten', 'identity', 'softmax'), notTensor), { maxLength: 4 }), anyTensor, fc.constantFrom('forward', 'toString', 'stateDict', 'parameters', 'train', 'eval', 'zeroGrad', 'to', 'apply', 'at')),
    call: (layers, x, method) => {
      const mods = layers.map((l: unknown) => {
        if (l === 'linear') return new nn.Linear(2, 2);
        if (l === 'relu') return new nn.ReLU();
        if (l === 'tanh') return new nn.Tanh();
        if (l === 'sigmoid') return new nn.Sigmoid();
        if (l === 'flatten') return new nn.Flatten();
        if (l === 'identity') return new nn.Identity();
        if (l === 'softmax') return new nn.Softmax(1);
        return l;
      });
      const seq = new nn.Sequential(...mods);
      if (method === 'forward') return seq.forward(x);
      if (method === 'toString') return String(seq);
      if (method === 'to') return seq.to(x);
      if (method === 'apply') return seq.apply(x);
      if (method === 'at') return seq.at(x);
      return seq[method](x);
    },
    lenient: (r) => r.startsWith('arg1') || r.includes('disposed'),
  },
  stateDict: {
    args: fc.tuple(modelSpec, fc.oneof(fc.constant('own'), fc.constant('wrongShape'), fc.constant('wrongDtype'), fc.constant('extraKey'), fc.constant('missingKey'), notTensor), fc.oneof(fc.constant(undefined), fc.record({ strict: fc.oneof(fc.boolean(), wrongType) }, { requiredKeys: [] }))),
    call: (m, which, opts) => {
      const model = buildModel(m);
      let sd: Any = which;
      if (typeof which === 'string') {
        sd = model.stateDict();
        const [firstKey] = [...sd.keys()];
        if (which === 'wrongShape') sd.set(firstKey, torch.zeros(7, 7));
        if (which === 'wrongDtype') sd.set(firstKey, sd.get(firstKey).to('int64'));
        if (which === 'extraKey') sd.set('nope.weight', torch.zeros(1));
        if (which === 'missingKey') sd.delete(firstKey);
      }
      return model.loadStateDict(sd, opts);
    },
    lenient: (r) => r.includes('strict'),
  },
  optimizer: {
    args: fc.tuple(
      fc.constantFrom('Adam', 'AdamW', 'SGD'),
      modelSpec,
      fc.oneof({ arbitrary: fc.constantFrom('model', 'groups', 'iterator'), weight: 6 }, { arbitrary: fc.constantFrom<Junk>(junk('empty params', []), junk('null', null), junk('number', 5), junk('null param', [null]), junk('number param', [3]), junk('groups with junk', [{ params: 5 }]), junk('string', 'params')), weight: 2 }),
      fc.oneof(fc.constant(undefined), optimizerOptions),
      // a bad lr set on paramGroups is only seen at the next step (as in PyTorch): no expectation, raw values
      fc.array(fc.oneof(fc.constantFrom('step', 'zeroGrad', 'stateDict', 'loadStateDict', 'backward'), fc.record({ lr: fc.oneof(floatArg, fc.constant(-1)).map((v) => (isObj(v) && '$junk' in v ? { $raw: (v as unknown as Junk).v } : v)) })), { maxLength: 5 }),
    ),
    call: (kind, m, params, opts, steps) => {
      const model = buildModel(m);
      const ps = params === 'model' ? model.parameters() : params === 'groups' ? [{ params: model.parameters(), lr: 0.1 }] : params === 'iterator' ? model.namedParameters() : params;
      const opt = kind === 'SGD' ? new optim.SGD(ps === undefined ? [] : [...(params === 'iterator' ? [...ps].map((e: Any) => e[1]) : ps)], opts) : new optim[kind](params === 'iterator' ? [...ps].map((e: Any) => e[1]) : ps, opts);
      const x = torch.randn(3, m.inF);
      for (const s of steps) {
        if (typeof s === 'object') opt.paramGroups[0].lr = isObj(s.lr) && '$raw' in s.lr ? s.lr.$raw : s.lr;
        else if (s === 'backward') model.forward(x).sum().backward();
        else if (s === 'loadStateDict') opt.loadStateDict(opt.stateDict());
        else opt[s]();
      }
      return model.parameters();
    },
    // AdamW ignores SGD's options and vice versa, as Python would with unknown kwargs
    lenient: (r) => /^arg3\.(momentum|dampening|nesterov|betas|eps|amsgrad|weightDecay|maximize)/.test(r),
    weight: 3,
  },
  fit: {
    args: fc.tuple(
      modelSpec,
      fc.constantFrom('Adam', 'SGD'),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 12 }),
      fc.record(
        {
          // huge counts (1e300, 2^32) must be refused, not run (practically) forever or wrap to 0
          epochs: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 8 }, { arbitrary: nonInteger, weight: 1 }, { arbitrary: fc.constantFrom<Junk>(junk('epochs out of range', 2 ** 32), junk('epochs out of range', 2 ** 40)), weight: 1 }, { arbitrary: wrongType, weight: 1 }, { arbitrary: fc.constant(-1), weight: 1 }),
          batchSize: fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 8 }), fc.constant(2 ** 40), nonInteger, wrongType),
          shuffle: fc.oneof(fc.constant(undefined), fc.boolean(), wrongType),
          evaluate: fc.oneof(fc.constant(undefined), fc.boolean(), wrongType),
          mode: fc.oneof(fc.constantFrom(undefined, 'auto', 'eager', 'fused'), fc.constantFrom<Junk>(junk('unknown mode', 'turbo'), junk('number', 1))),
          onEpoch: fc.oneof(fc.constantFrom(undefined, 'ok', 'stop', 'throwError', 'throwString', 'throwUndefined'), fc.constantFrom<Junk>(junk('not a function', 5), junk('not a function', 'fn'))),
          test: fc.boolean(),
          xKind: fc.oneof({ arbitrary: fc.constant('ok'), weight: 6 }, { arbitrary: fc.constantFrom('wrongFeatures', 'int', 'disposed', 'empty', 'scalar', 'nan'), weight: 2 }, { arbitrary: notTensor, weight: 1 }),
          yKind: fc.oneof({ arbitrary: fc.constant('ok'), weight: 6 }, { arbitrary: fc.constantFrom('float', 'outOfRange', 'short', 'int32', 'disposed', '2d'), weight: 2 }, { arbitrary: notTensor, weight: 1 }),
        },
        { requiredKeys: ['epochs', 'xKind', 'yKind'] },
      ),
    ),
    call: (m, optKind, lossKind, n, o) => {
      const model = buildModel(m);
      const optimizer = optKind === 'SGD' ? new optim.SGD(model.parameters(), { lr: 0.1 }) : new optim.Adam(model.parameters(), { lr: 0.01 });
      const criterion = [new nn.CrossEntropyLoss(), new nn.NLLLoss(), new nn.MSELoss(), new nn.BCEWithLogitsLoss()][lossKind];
      const xs: Record<string, () => Any> = {
        ok: () => torch.randn(n, m.inF),
        wrongFeatures: () => torch.randn(n, m.inF + 1),
        int: () => torch.ones(n, m.inF, { dtype: 'int64' }),
        disposed: () => { const t = torch.randn(n, m.inF); t.dispose(); return t; },
        empty: () => torch.randn(0, m.inF),
        scalar: () => torch.tensor(1),
        nan: () => torch.full([n, m.inF], NaN),
      };
      const ys: Record<string, () => Any> = {
        ok: () => (lossKind <= 1 ? torch.randint(0, m.out, [n]) : torch.rand(n, m.out)),
        float: () => torch.rand(n),
        outOfRange: () => torch.full([n], m.out + 3, { dtype: 'int64' }),
        short: () => torch.randint(0, m.out, [Math.max(0, n - 1)]),
        int32: () => torch.randint(0, m.out, [n], { dtype: 'int32' }),
        disposed: () => { const t = torch.randint(0, m.out, [n]); t.dispose(); return t; },
        '2d': () => torch.randint(0, m.out, [n, 2]),
      };
      const xTrain = typeof o.xKind === 'string' && Object.hasOwn(xs, o.xKind) ? xs[o.xKind]!() : o.xKind;
      const yTrain = typeof o.yKind === 'string' && Object.hasOwn(ys, o.yKind) ? ys[o.yKind]!() : o.yKind;
      const onEpoch =
        o.onEpoch === 'ok' ? () => undefined
        : o.onEpoch === 'stop' ? () => false
        : o.onEpoch === 'throwError' ? () => { throw new Error('callback failed on purpose'); }
        : o.onEpoch === 'throwString' ? () => { throw 'callback threw a string'; }
        : o.onEpoch === 'throwUndefined' ? () => { throw undefined; }
        : o.onEpoch;
      return torch.fit(model, {
        optimizer, criterion, xTrain, yTrain,
        ...(o.test ? { xTest: xTrain, yTest: yTrain } : {}),
        epochs: o.epochs, batchSize: o.batchSize, shuffle: o.shuffle, evaluate: o.evaluate, mode: o.mode, onEpoch,
      });
    },
    lenient: (r) => /^arg4\.(shuffle|evaluate)/.test(r) || /arg4\.(xKind|yKind): disposed/.test(r),
    weight: 3,
  },

  // ---- data ------------------------------------------------------------------
  datasets: {
    args: fc.tuple(
      fc.constantFrom('makeCircles', 'makeMoons', 'makeBlobs'),
      fc.oneof({ arbitrary: fc.integer({ min: -2, max: 60 }), weight: 8 }, { arbitrary: fc.constantFrom(2 ** 33, 2 ** 53, Number.MAX_SAFE_INTEGER), weight: 1 }, { arbitrary: nonInteger, weight: 1 }, { arbitrary: wrongType, weight: 1 }, { arbitrary: fc.array(fc.integer({ min: -1, max: 10 }), { maxLength: 3 }), weight: 1 }),
      fc.oneof(
        fc.constant(undefined),
        fc.record(
          {
            noise: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(null), fc.constantFrom<Junk>(junk('negative noise', -1), junk('NaN', NaN)), wrongType),
            factor: fc.oneof(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.constantFrom<Junk>(junk('factor out of range', 1), junk('factor out of range', -0.1), junk('NaN', NaN)), wrongType),
            randomState: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom<Junk>(junk('negative seed', -1), junk('seed too large', 2 ** 32), junk('fraction', 0.5), junk('NaN', NaN)), wrongType),
            shuffle: fc.oneof(fc.boolean(), wrongType),
            nFeatures: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom<Junk>(junk('zero features', 0), junk('huge features', 2 ** 33)), wrongType),
            centers: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant([[0, 0], [1, 1]]), fc.constantFrom<Junk>(junk('zero centers', 0), junk('ragged centers', [[0], [1, 2]]), junk('NaN center', [[NaN, 0]])), wrongType),
            clusterStd: fc.oneof(fc.double({ min: 0, max: 3, noNaN: true }), fc.constantFrom<Junk>(junk('negative std', -1)), wrongType),
          },
          { requiredKeys: [] },
        ),
        wrongType,
      ),
    ),
    call: (fn, n, opts) => torch[fn](n, opts),
    // each generator ignores the others' options (factor is makeCircles-only, ...); [nOut, nIn] counts; {} is no options
    lenient: (r) => /^arg2\.(factor|nFeatures|centers|clusterStd|noise)/.test(r) || r === 'arg2: null' || r === 'arg1: array' || r === 'arg2: object',
    weight: 2,
  },
  trainTestSplit: {
    args: fc.tuple(
      fc.array(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 12 }).map((k) => ({ $rows: k })), weight: 6 }, { arbitrary: anyTensor, weight: 2 }, { arbitrary: notTensor, weight: 1 }), { maxLength: 3 }),
      fc.oneof(
        fc.constant(undefined),
        fc.record(
          {
            testSize: fc.oneof(fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.integer({ min: 1, max: 5 }), fc.constant(null), fc.constantFrom<Junk>(junk('size out of range', 0), junk('size out of range', 1.5), junk('size out of range', -2), junk('NaN', NaN)), wrongType),
            trainSize: fc.oneof(fc.constant(undefined), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.integer({ min: 1, max: 5 }), wrongType),
            randomState: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom<Junk>(junk('negative seed', -1), junk('NaN', NaN)), wrongType),
            shuffle: fc.oneof(fc.boolean(), wrongType),
            stratify: fc.oneof(fc.constant(undefined), fc.constant(null), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 12 }), wrongType),
          },
          { requiredKeys: [] },
        ),
      ),
    ),
    call: (arrays, opts) => {
      const args = arrays.map((a: Any) => (isObj(a) && '$rows' in a ? Array.from({ length: a.$rows as number }, (_, i) => [i, i * 2]) : a));
      return opts === undefined ? torch.trainTestSplit(...args) : torch.trainTestSplit(...args, opts);
    },
    // plain arrays are what it splits; objects with a shape are duck-typed as arrays (sklearn's _num_samples);
    // a trailing plain object is the options bag
    lenient: (r) => /: (array|nested array|tensor-like object|object)$/.test(r),
    weight: 2,
  },
  metrics: {
    args: fc.tuple(fc.constantFrom('accuracy', 'confusionMatrix', 'precisionScore', 'recallScore', 'f1Score'), fc.oneof(anyTensor, fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 5 }), notTensor), fc.oneof(anyTensor, fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 5 }), notTensor), fc.oneof(fc.constant(undefined), fc.record({ average: fc.constantFrom<unknown>('binary', 'macro', 'micro', 'weighted', null, junk('unknown average', 'avg')), zeroDivision: fc.constantFrom<unknown>(0, 1, 'warn', junk('unknown zeroDivision', 7)) }, { requiredKeys: [] }))),
    call: (fn, a, b, opts) => torch[fn](a, b, opts),
    // plain arrays are valid labels; a tensor-like object is what accuracy() duck-types
    lenient: (r) => /: (array|nested array|number|tensor-like object)$/.test(r),
  },

  // ---- issue 15's modules: raw (unmarked) values, so the property is only
  // "no crash, and a failure is a one-line Error that is not an engine message"
  layers: {
    args: fc.tuple(fc.constantFrom(...NEW_LAYERS), fc.array(rawCount, { minLength: 4, maxLength: 4 }), rawFloat, fc.boolean(), anyTensor),
    call: (name, ints, f, flag, x) => {
      const layer = makeLayer(name, ints, f, flag);
      if (flag) layer.eval();
      return [String(layer), layer.forward(x), [...layer.stateDict().keys()]];
    },
    weight: 4,
  },
  newLosses: {
    args: fc.tuple(fc.constantFrom(...NEW_LOSSES), fc.oneof(fc.constant(undefined), fc.record({ reduction: fc.constantFrom('mean', 'sum', 'none', 'batchmean', 'avg'), beta: rawFloat, delta: rawFloat, margin: rawFloat, eps: rawFloat, logTarget: fc.boolean(), logInput: fc.boolean(), full: fc.boolean() }, { requiredKeys: [] })), tensorSpec({ maxDims: 3 }), tensorSpec({ maxDims: 3 }), tensorSpec({ maxDims: 3, disposed: false })),
    call: (name, opts, a, b, c) => {
      const criterion = new nn[name](opts);
      return name === 'CosineEmbeddingLoss' || name === 'MarginRankingLoss' || name === 'GaussianNLLLoss' ? criterion.forward(a, b, c) : criterion.forward(a, b);
    },
    weight: 3,
  },
  newOptimizers: {
    args: fc.tuple(fc.constantFrom(...NEW_OPTIMIZERS), modelSpec, fc.record({ lr: rawFloat, momentum: rawFloat, alpha: rawFloat, rho: rawFloat, lrDecay: rawFloat, eps: rawFloat, weightDecay: rawFloat, maxIter: rawCount, historySize: rawCount, lineSearchFn: fc.constantFrom(null, 'strong_wolfe', 'backtracking') }, { requiredKeys: [] }), fc.array(fc.constantFrom('step', 'zeroGrad', 'stateDict', 'loadStateDict', 'backward'), { maxLength: 5 })),
    call: (kind, m, opts, steps) => {
      const model = buildModel(m);
      const opt = new optim[kind](model.parameters(), opts);
      const x = torch.randn(3, m.inF);
      const loss = () => {
        opt.zeroGrad();
        const l = model.forward(x).pow(2).sum();
        l.backward();
        return l;
      };
      for (const s of steps) {
        if (s === 'backward') loss();
        else if (s === 'loadStateDict') opt.loadStateDict(opt.stateDict());
        else if (s === 'step') opt.step(loss);
        else opt[s]();
      }
      return model.parameters();
    },
    weight: 3,
  },
  schedulers: {
    args: fc.tuple(fc.constantFrom(...SCHEDULERS), fc.array(rawFloat, { minLength: 3, maxLength: 3 }), fc.array(rawCount, { minLength: 2, maxLength: 2 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom(null, 'max', 'min', 'sideways')),
    call: (name, fs, ns, steps, mode) => {
      const model = new nn.Linear(2, 1);
      const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      const S = optim.lrScheduler;
      const make: Record<string, () => Any> = {
        StepLR: () => new S.StepLR(opt, ns[0], { gamma: fs[0] }),
        MultiStepLR: () => new S.MultiStepLR(opt, ns, { gamma: fs[0] }),
        ExponentialLR: () => new S.ExponentialLR(opt, fs[0]),
        CosineAnnealingLR: () => new S.CosineAnnealingLR(opt, ns[0], { etaMin: fs[1] }),
        OneCycleLR: () => new S.OneCycleLR(opt, fs[0], { totalSteps: ns[0], pctStart: fs[1], divFactor: fs[2] }),
        LambdaLR: () => new S.LambdaLR(opt, (e: number) => fs[0] * e),
        ReduceLROnPlateau: () => new S.ReduceLROnPlateau(opt, { mode: mode ?? 'min', factor: fs[0], patience: ns[0], threshold: fs[1] }),
        LinearLR: () => new S.LinearLR(opt, { startFactor: fs[0], endFactor: fs[1], totalIters: ns[0] }),
        ConstantLR: () => new S.ConstantLR(opt, { factor: fs[0], totalIters: ns[0] }),
        PolynomialLR: () => new S.PolynomialLR(opt, { totalIters: ns[0], power: fs[0] }),
        CosineAnnealingWarmRestarts: () => new S.CosineAnnealingWarmRestarts(opt, ns[0], { tMult: ns[1], etaMin: fs[1] }),
        MultiplicativeLR: () => new S.MultiplicativeLR(opt, () => fs[0]),
        SequentialLR: () => new S.SequentialLR(opt, [new S.ConstantLR(opt, { factor: 0.5 }), new S.ExponentialLR(opt, fs[0])], ns),
        ChainedScheduler: () => new S.ChainedScheduler([new S.StepLR(opt, 2), new S.ExponentialLR(opt, fs[0])]),
      };
      const sched = make[name]!();
      for (let i = 0; i < steps; i++) {
        opt.step();
        if (name === 'ReduceLROnPlateau') sched.step(fs[(i % 3)]);
        else sched.step();
      }
      sched.loadStateDict(sched.stateDict());
      return [sched.getLastLr?.(), opt.paramGroups[0].lr];
    },
    weight: 3,
  },
  dataLoader: {
    args: fc.tuple(fc.integer({ min: 0, max: 9 }), rawCount, fc.boolean(), fc.boolean(), fc.oneof(fc.constant(undefined), fc.array(fc.integer({ min: -12, max: 12 }), { maxLength: 6 })), rawCount, fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 5 }))),
    call: (n, batchSize, shuffle, dropLast, sampler, prefetchFactor, seed) => {
      const data = torch.utils.data;
      const ds = new data.TensorDataset(torch.arange(n), torch.randn(n, 2));
      const generator = seed === null ? null : new data.Generator().manualSeed(seed);
      const loader = new data.DataLoader(ds, { batchSize, shuffle: sampler ? undefined : shuffle, dropLast, sampler, prefetchFactor, generator });
      const split = data.randomSplit(ds, [0.5, 0.5], generator ?? undefined);
      loader[Symbol.asyncIterator]().next().catch(() => undefined); // starts (and settles) a background gather
      return [loader.length, [...loader], split.map((d: Any) => d.length)];
    },
    weight: 3,
  },
  loadPt: {
    args: fc.tuple(ptCase),
    call: (c) => {
      const loaded = torch.load(writePtCase(c));
      touch(loaded);
      return loaded;
    },
    weight: 3,
  },

  // ---- serialization ---------------------------------------------------------
  load: {
    args: fc.tuple(safetensorsCase),
    // a junk *string* path is just a relative file name; an earlier save() may have created it
    lenient: (r) => r.endsWith(': string'),
    call: (c) => {
      const loaded = torch.load(writeSafetensorsCase(c));
      for (const t of loaded.values()) {
        t.sum();
        String(t);
      }
      return loaded;
    },
    weight: 3,
  },
  save: {
    args: fc.tuple(
      fc.oneof(
        fc.dictionary(fc.string({ maxLength: 6 }), tensorOrJunk, { maxKeys: 3 }),
        fc.constantFrom<unknown>(junk('null', null), junk('number', 5), junk('string', 'x')),
      ),
      fc.oneof({ arbitrary: fc.constant('tmp'), weight: 6 }, { arbitrary: fc.constantFrom<unknown>(junk('empty path', ''), junk('directory', '/'), '/nonexistent/dir/f.safetensors'), weight: 1 }, { arbitrary: wrongType, weight: 1 }),
    ),
    call: (dict, p) => {
      const file = p === 'tmp' ? tmpFile() : p;
      torch.save(dict, file);
      return torch.load(file);
    },
    lenient: (r) => r === 'arg1: string', // a relative file name (the child runs in its temporary directory)
  },

  // ---- process-wide state --------------------------------------------------
  runtime: {
    args: fc.tuple(
      fc.constantFrom('manualSeed', 'setNumThreads', 'setGradEnabled', 'noGrad', 'enableGrad', 'tidy', 'dispose', 'keep', 'device', 'cudaManualSeed', 'setPrintOptions'),
      // setNumThreads is restored right after the call, before any parallel op runs
      fc.oneof(fc.integer({ min: 1, max: 2 }), fc.integer({ min: -3, max: 0 }), fc.constantFrom(4096, 4097, 100_000, 2 ** 31 - 1, 1e10), hugeInt, nonInteger, wrongType, anyTensor),
    ),
    call: (fn, v) => {
      switch (fn) {
        case 'setNumThreads': {
          const before = torch.getNumThreads();
          try {
            return torch.setNumThreads(v);
          } finally {
            torch.setNumThreads(before);
          }
        }
        case 'setGradEnabled': {
          const before = torch.isGradEnabled();
          try {
            return torch.setGradEnabled(v);
          } finally {
            torch.setGradEnabled(before);
          }
        }
        case 'cudaManualSeed':
          return torch.cuda.manualSeed(v);
        case 'setPrintOptions':
          try {
            torch.setPrintOptions(isObj(v) && !(v instanceof torch.Tensor) ? v : { precision: v, linewidth: v, edgeitems: v });
            return String(torch.randn(4, 30));
          } finally {
            torch.setPrintOptions({ profile: 'default' });
          }
        default:
          return torch[fn](v);
      }
    },
    // dispose() and keep() take anything (non-tensors are ignored); print options null/{} mean "no change";
    // noGrad()/enableGrad() without a function return a guard
    lenient: (r, [fn]) => fn === 'dispose' || fn === 'keep' || (fn === 'setPrintOptions' && /: (null|object)$/.test(r)) || (['noGrad', 'enableGrad', 'tidy'].includes(fn as string) && /: (null|function)$/.test(r)),
  },
};

// ---------------------------------------------------------------------------
// Scenarios, outcomes, the property
// ---------------------------------------------------------------------------

export interface Scenario {
  op: string;
  args: unknown[];
  seed: number;
  tidy: boolean;
}

/** Scenarios of the given ops (all of them by default), each op as often as its weight says. */
export function scenarioArbOf(ops: readonly string[] = Object.keys(OPS)): fc.Arbitrary<Scenario> {
  const unknown = ops.filter((op) => !(op in OPS));
  if (unknown.length > 0) throw new Error(`unknown fuzz ops: ${unknown.join(', ')} (known: ${Object.keys(OPS).join(', ')})`);
  return fc.oneof(
    ...ops.map((op) => ({
      weight: OPS[op]!.weight ?? 1,
      arbitrary: fc.record({ op: fc.constant(op), args: OPS[op]!.args, seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), tidy: fc.boolean() }),
    })),
  );
}

export const scenarioArb: fc.Arbitrary<Scenario> = scenarioArbOf();

export type Outcome =
  | { kind: 'returned'; reasons: string[] }
  | { kind: 'threw'; error: unknown; reasons: string[] };

/** Runs one scenario; never throws (outcomes are returned). */
export function runScenario(s: Scenario): Outcome {
  const def = OPS[s.op]!;
  const reasons: string[] = [];
  const attempt = (): Outcome => {
    try {
      torch.manualSeed(s.seed);
      const args = s.args.map((a, i) => materialize(a, reasons, `arg${i}`));
      const r = def.call(...args);
      touch(r);
      return { kind: 'returned', reasons };
    } catch (error) {
      return { kind: 'threw', error, reasons };
    }
  };
  if (!s.tidy) return attempt();
  // tidy frees what the call made; its own failure modes are part of the test
  let out: Outcome | undefined;
  try {
    torch.tidy(() => {
      out = attempt();
    });
  } catch (error) {
    return { kind: 'threw', error: new Error(`tidy() itself threw: ${(error as Error)?.message ?? String(error)}`), reasons };
  }
  return out!;
}

export interface Violation {
  rule: 'not-an-error' | 'empty-message' | 'multi-line-message' | 'engine-message' | 'accepted-invalid';
  message: string;
  /** A known bug this violation is an instance of, or null when new. */
  known: string | null;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What, if anything, is wrong with an outcome (before known-bug matching). */
export function judge(s: Scenario, o: Outcome): Omit<Violation, 'known'> | null {
  if (o.kind === 'threw') {
    const e = o.error;
    // a callback's own exception must come back as is (fit's onEpoch throws on purpose)
    if (s.op === 'fit' && (s.args[4] as Any)?.onEpoch === 'throwString' && e === 'callback threw a string') return null;
    if (s.op === 'fit' && (s.args[4] as Any)?.onEpoch === 'throwUndefined' && e === undefined) return null;
    if (!(e instanceof Error)) return { rule: 'not-an-error', message: `threw ${typeof e}: ${String(e)}` };
    const msg = e.message;
    const problem = messageProblem(msg);
    if (problem === 'empty message') return { rule: 'empty-message', message: `${e.name} with an empty message` };
    if (problem === 'multi-line message') return { rule: 'multi-line-message', message: msg };
    if (problem) return { rule: 'engine-message', message: `${e.name}: ${msg}` };
    return null;
  }
  const def = OPS[s.op]!;
  // null for an optional option (dtype: null, trainSize: null) means "default", as None does in Python;
  // `{}` is an empty options bag
  const strict = o.reasons.filter((r) => !/\.\w+: null$/.test(r) && !(def.lenient?.(r, s.args) ?? false));
  if (strict.length > 0) return { rule: 'accepted-invalid', message: `returned normally despite ${strict.join('; ')}` };
  return null;
}

/**
 * Violations already reported as bugs (see docs/RELIABILITY.md, "Known bugs"):
 * counted, not failed, so the campaign catches only new problems. Each has an
 * `it.fails` reproduction in test/fuzz.test.ts; fixing the bug makes that test
 * fail, and then its entry here should go.
 */
export interface KnownBug {
  id: string;
  /** What is wrong, where, and the proposed fix (the same text is in docs/RELIABILITY.md). */
  title: string;
  match: (s: Scenario, v: Omit<Violation, 'known'>) => boolean;
}

/**
 * Arguments that are options bags (or that an overloaded signature may take
 * for one: eye(n, m | opts), randint(low, high | size, ...), arange(..., opts)),
 * for "options are not validated".
 */
const OPTIONS_ARGS: Record<string, number[]> = {
  factory: [3], full: [2], arange: [1, 2, 3], linspace: [3], eye: [1, 2], randint: [1, 2, 3], randperm: [1], tensor: [1], fromTypedArray: [2],
  reduce: [3], to: [1], save: [0], sequential: [0], stateDict: [1, 2], fit: [4], datasets: [2], trainTestSplit: [1], metrics: [3], linear: [2],
  loss: [2], optimizer: [3], functions: [3],
};
const isOptionsReason = (s: Scenario, r: string) => (OPTIONS_ARGS[s.op] ?? []).some((i) => r.startsWith(`arg${i}:`) || r.startsWith(`arg${i}.`) || r.startsWith(`arg${i}[`));
const NUMERIC_JUNK = /: (NaN|Infinity|-Infinity|fraction|overflow)$/;

function reasonsOf(v: Omit<Violation, 'known'>): string[] {
  return v.message.replace(/^returned normally despite /, '').split('; ');
}

export const KNOWN_BUGS: KnownBug[] = [
  {
    id: 'napi-conversion-message',
    title: 'A wrong JS type for a number/integer/boolean parameter reaches the native layer and fails with napi-rs\'s "Failed to convert napi value String into rust type `i64`", which names neither the function nor the parameter: validate in ts/ (or take `Unknown` in src/ and name the parameter)',
    match: (_s, v) => v.rule === 'engine-message' && /Failed to convert napi value/.test(v.message),
  },
  {
    id: 'null-options',
    title: 'null (or a primitive) where an options object goes fails with "Cannot read properties of null (reading \'dtype\')" / "Cannot convert undefined or null to object" (zeros(2, null), t.to(null), t.sum(0, null), makeCircles(10, null), fit(m, null), torch.save(null, f), loadStateDict(null))',
    match: (_s, v) => v.rule === 'engine-message' && /Cannot read properties of (null|undefined)|Cannot destructure property|Cannot convert undefined or null to object/.test(v.message),
  },
  {
    id: 'optimizer-params-unchecked',
    title: 'Optimizer params that are not an iterable of tensors/groups fail with "object is not iterable" / "group.params is not iterable" (ts/optim/optimizer.ts constructor and addParamGroup), and betas that are not a pair with "undefined is not a function" / "number 5 is not iterable" (ts/optim/adam.ts checkAdam destructures them unchecked)',
    match: (s, v) => s.op === 'optimizer' && v.rule === 'engine-message' && /is not iterable|undefined is not a function/.test(v.message),
  },
  {
    id: 'symbol-bigint-coercion',
    title: 'A Symbol or BigInt argument reaches `+x` or a template string and fails with "Cannot convert a Symbol value to a number/string" / "Cannot convert a BigInt value to a number"',
    match: (_s, v) => v.rule === 'engine-message' && /Cannot convert a (Symbol|BigInt) value|Cannot mix BigInt/.test(v.message),
  },


  {
    id: 'print-options-unchecked',
    title: 'setPrintOptions does not validate its values: a tensor or NaN precision makes later printing throw "Maximum call stack size exceeded" / a RangeError (ts/tensor_str.ts setPrintOptions)',
    match: (s) => s.op === 'runtime' && s.args[0] === 'setPrintOptions',
  },
  {
    id: 'scalar-coercion',
    title: 'Scalar arguments are coerced with `+x`, so t.add(\'x\') / t.mul(undefined) / t.fill_(\'x\') give NaN and t.add(null) / t.add([]) add 0 instead of throwing (ts/tensor.ts add…le, fill_; ts/creation.ts full)',
    match: (s, v) =>
      v.rule === 'accepted-invalid' && ['scalarBinary', 'inplaceScalar', 'full'].includes(s.op) &&
      reasonsOf(v).some((r) => !isOptionsReason(s, r)) && reasonsOf(v).every((r) => !isOptionsReason(s, r) || /\.requiresGrad: /.test(r)),
  },
  {
    id: 'int-args-unchecked',
    title: 'Integer parameters are not validated: NaN/±Infinity/fractions/1e300 are truncated or saturated by napi (select(0, NaN) is select(0, 0), randperm(NaN) is empty, cat(ts, NaN) uses dim 0, eye(Infinity, 2) ..., fit epochs 1e300 runs 0 epochs), and Tensor#size(\'x\') returns undefined',
    match: (s, v) => v.rule === 'accepted-invalid' && reasonsOf(v).every((r) => NUMERIC_JUNK.test(r) || (s.op === 'dims' && s.args[1] === 'size' && r.startsWith('arg2: '))),
  },
  {
    id: 'options-unchecked',
    title: 'Options objects are not validated: wrong-typed fields are ignored or taken for their truthiness (requiresGrad: \'yes\', keepdim: {}), wrong-typed bags are ignored (t.to(5), makeCircles(10, \'x\'), torch.save(5, f) writes an empty file, new nn.Sequential(new Date()), loadStateDict(\'x\', { strict: false })), and fit accepts mode: \'turbo\', onEpoch: 5 and non-tensor data when no epoch runs',
    match: (s, v) =>
      v.rule === 'accepted-invalid' &&
      reasonsOf(v).every(
        (r) =>
          isOptionsReason(s, r) || NUMERIC_JUNK.test(r) || /\.requiresGrad: /.test(r) ||
          // zeros(2, 3, new Date()): a trailing object in the spread form is taken for the options
          (s.op === 'factory' && s.args[2] === true && /^arg1\[\d+\]: (date|object|array|function)$/.test(r)),
      ),
  },
];

export function checkOutcome(s: Scenario, o: Outcome): Violation | null {
  const v = judge(s, o);
  if (!v) return null;
  const known = KNOWN_BUGS.find((k) => k.match(s, v));
  return { ...v, known: known?.id ?? null };
}

export function describeScenario(s: Scenario): string {
  return fc.stringify(s);
}

export interface CampaignCounts {
  cases: number;
  returned: number;
  threw: number;
  knownViolations: Record<string, number>;
  newViolations: number;
  byOp: Record<string, { cases: number; threw: number }>;
  /** Distinct error messages seen (first line, numbers elided), with counts: for reading, not asserting. */
  messages?: Record<string, number>;
}

export function emptyCounts(): CampaignCounts {
  return { cases: 0, returned: 0, threw: 0, knownViolations: {}, newViolations: 0, byOp: {} };
}

/** Records one outcome; returns the violation if it is a new one. */
export function record(counts: CampaignCounts, s: Scenario, o: Outcome, collectMessages = false): Violation | null {
  counts.cases++;
  const op = (counts.byOp[s.op] ??= { cases: 0, threw: 0 });
  op.cases++;
  if (o.kind === 'threw') {
    counts.threw++;
    op.threw++;
    if (collectMessages) {
      const key = `${s.op}: ${errorMessage(o.error).split('\n')[0]!.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, 'N').slice(0, 160)}`;
      counts.messages ??= {};
      counts.messages[key] = (counts.messages[key] ?? 0) + 1;
    }
  } else counts.returned++;
  const v = checkOutcome(s, o);
  if (!v) return null;
  if (v.known) {
    counts.knownViolations[v.known] = (counts.knownViolations[v.known] ?? 0) + 1;
    return null;
  }
  counts.newViolations++;
  return v;
}
