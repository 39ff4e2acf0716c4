// The ops generated from PyTorch's schema (ts/generated, scripts/gen-ops.mjs)
// against PyTorch itself: every case of fixtures/generated_ops.json (written
// by fixtures/generated_ops_fixtures.py with torch 2.11) is replayed through
// the public API (torch.<op>(...) or tensor.<op>(...), keywords as one
// camelCase options object) and compared bit for bit: same shape, dtype and
// every value (NaN equals NaN; -0 and 0 differ). Gradients through generated
// ops, libtorch's error messages and the argument checks are tested too.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../ts/index';
import { Tensor } from '../ts/tensor';
import * as generatedFunctions from '../ts/generated/functions';
import { generatedMethods } from '../ts/generated/methods';
import { thrownTorchError } from './helpers/errors';

type Value = number | 'nan' | 'inf' | '-inf' | boolean;
interface TensorJson { shape: number[]; dtype: string; values: Value[] }
type Arg = string | number | boolean | null | Arg[] | { tensors: string[] } | { dtype: string };
type Result = { tensor: TensorJson } | { list: Result[] } | { bool: boolean } | { number: Value };
interface Case { op: string; how: 'fn' | 'method'; self?: string; args: Arg[]; kwargs: Record<string, Arg>; result: Result; self_after?: TensorJson }
interface GradCase { op: string; args: Arg[]; kwargs: Record<string, Arg>; grads: Record<string, TensorJson> }

const fixture: {
  torch: string;
  inputs: Record<string, TensorJson>;
  cases: Case[];
  grads: GradCase[];
  errors: { label: string; message: string }[];
} = JSON.parse(readFileSync(new URL('./fixtures/generated_ops.json', import.meta.url), 'utf8'));

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const decode = (v: Value): number | boolean => (v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);

function fromJson(j: TensorJson): Tensor {
  const values = j.values.map(decode);
  const t = torch.tensor(values as number[], { dtype: j.dtype as torch.DTypeName });
  return t.reshape(j.shape);
}

const inputs = new Map(Object.entries(fixture.inputs).map(([k, v]) => [k, fromJson(v)]));

function input(name: string): Tensor {
  const t = inputs.get(name.slice(1));
  if (!t) throw new Error(`no input ${name}`);
  return t.clone(); // in-place cases change their own copy
}

function arg(a: Arg): unknown {
  if (typeof a === 'string' && a.startsWith('$')) return input(a);
  if (Array.isArray(a)) return a.map(arg);
  if (a !== null && typeof a === 'object' && 'tensors' in a) return a.tensors.map(input);
  if (a !== null && typeof a === 'object' && 'dtype' in a) return torch.DType.all[a.dtype as torch.DTypeName];
  return a;
}

function options(kwargs: Record<string, Arg>): Record<string, unknown>[] {
  const keys = Object.keys(kwargs);
  return keys.length ? [Object.fromEntries(keys.map((k) => [camel(k), arg(kwargs[k]!)]))] : [];
}

function callable(target: object, name: string): (...args: unknown[]) => unknown {
  const f: unknown = Reflect.get(target, name);
  if (typeof f !== 'function') throw new Error(`${name} is not a function`);
  return (...args: unknown[]) => Reflect.apply(f, target, args);
}

/** The elements as doubles (exact for float32 too), or booleans. */
function elements(t: Tensor): (number | boolean)[] {
  const flat = t.reshape(-1).toArray();
  return Array.isArray(flat) ? (flat as (number | boolean)[]) : [flat as number | boolean];
}

function sameValue(a: number | boolean, b: number | boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) return true;
  return Object.is(a, b);
}

function expectTensor(t: unknown, j: TensorJson, label: string): void {
  expect(t, label).toBeInstanceOf(Tensor);
  const x = t as Tensor;
  expect(x.shape, label).toEqual(j.shape);
  expect(x.dtype.name, label).toBe(j.dtype);
  const got = elements(x);
  const want = j.values.map(decode);
  const bad = got.findIndex((g, i) => !sameValue(g, want[i]!));
  expect(bad === -1 ? null : { index: bad, got: got[bad], want: want[bad] }, label).toBeNull();
}

function expectResult(got: unknown, want: Result, label: string): void {
  if ('tensor' in want) expectTensor(got, want.tensor, label);
  else if ('list' in want) {
    expect(Array.isArray(got), label).toBe(true);
    const list = got as unknown[];
    expect(list.length, label).toBe(want.list.length);
    want.list.forEach((w, i) => expectResult(list[i], w, `${label}[${i}]`));
  } else if ('bool' in want) expect(got, label).toBe(want.bool);
  else expect(sameValue(got as number, decode(want.number)), `${label}: ${String(got)} vs ${String(want.number)}`).toBe(true);
}

function label(c: Case | GradCase): string {
  const how = 'how' in c && c.how === 'method' ? `${c.self}.${c.op}` : `torch.${c.op}`;
  return `${how}(${JSON.stringify(c.args).slice(1, -1)}${Object.keys(c.kwargs).length ? `, ${JSON.stringify(c.kwargs)}` : ''})`;
}

describe('generated ops against PyTorch 2.11', () => {
  it('the fixture comes from torch 2.11.0 and samples at least 150 generated ops', () => {
    expect(fixture.torch.split('+')[0]).toBe('2.11.0');
    const ops = new Set(fixture.cases.map((c) => `${c.how}:${c.op}`));
    expect(ops.size).toBeGreaterThanOrEqual(150);
  });

  for (const c of fixture.cases) {
    it(label(c), () => {
      const name = camel(c.op) + (c.op.endsWith('_') && !camel(c.op).endsWith('_') ? '_' : '');
      // Each case exercises a generated op, not a hand-written one of the same name.
      if (c.how === 'fn') expect(Object.keys(generatedFunctions)).toContain(name);
      else expect(generatedMethods).toContain(name);
      const args = [...c.args.map(arg), ...options(c.kwargs)];
      if (c.how === 'fn') {
        expectResult(callable(torch, name)(...args), c.result, c.op);
      } else {
        const self = input(c.self!);
        const out = callable(self, name)(...args);
        expectResult(out, c.result, c.op);
        if (c.self_after) {
          expect(out, 'an in-place op returns its own tensor').toBe(self);
          expectTensor(self, c.self_after, `${c.op} (self after)`);
        }
      }
    });
  }
});

describe('gradients through generated ops', () => {
  for (const g of fixture.grads) {
    it(label(g), () => {
      const leaves = new Map<string, Tensor>();
      const args = g.args.map((a) => {
        if (typeof a === 'string' && a.startsWith('$')) {
          const t = input(a);
          if (t.dtype.isFloatingPoint) t.requiresGrad = true;
          leaves.set(a.slice(1), t);
          return t;
        }
        return arg(a);
      });
      const out = callable(torch, camel(g.op))(...args, ...options(g.kwargs)) as Tensor;
      const weights = torch.linspace(-1, 1, out.numel(), { dtype: out.dtype }).reshape(out.shape);
      out.mul(weights).sum().backward();
      for (const [name, want] of Object.entries(g.grads)) expectTensor(leaves.get(name)!.grad, want, `d/d${name}`);
    });
  }
});

describe('errors', () => {
  const a = (): Tensor => input('$a');
  const calls: Record<string, () => unknown> = {
    'atan2 shapes': () => torch.atan2(a(), input('$v')),
    'cumsum dim range': () => torch.cumsum(a(), 5),
    'topk k too big': () => torch.topk(input('$v'), 10),
    'cholesky not pd': () => torch.cholesky(input('$sq').neg()),
  };
  for (const e of fixture.errors) {
    it(`libtorch's message: ${e.label}`, () => {
      const err = thrownTorchError(calls[e.label]!);
      expect(err.message).toBe(e.message);
      expect(err.code).toBe('TORCH_ERROR');
    });
  }

  const untyped = torch as unknown as Record<string, (...args: unknown[]) => unknown>;
  it('a wrong argument type names the function and the argument', () => {
    expect(thrownTorchError(() => untyped.cumsum!(a(), 'x')).message).toBe("torch.cumsum(): argument 'dim' (position 2) must be int, not string");
    expect(thrownTorchError(() => untyped.cumsum!(a(), 1.5)).message).toBe("torch.cumsum(): argument 'dim' (position 2) must be int, not 1.5");
    expect(thrownTorchError(() => untyped.atan2!(a(), [1, 2])).message).toBe("torch.atan2(): argument 'other' (position 2) must be Tensor, not array");
    expect(thrownTorchError(() => untyped.topk!(input('$v'), Number.NaN)).message).toBe("torch.topk(): argument 'k' (position 2) must be int, not NaN");
    const m = a() as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(thrownTorchError(() => m.cumsum!('x')).message).toBe("Tensor.cumsum(): argument 'dim' (position 2) must be int, not string");
  });

  it('a wrong argument count, or an unknown option, is refused', () => {
    expect(thrownTorchError(() => untyped.atan2!(a())).message).toBe("torch.atan2(): missing required argument 'other'");
    expect(thrownTorchError(() => untyped.atan2!(a(), a(), a())).message).toBe('torch.atan2(): takes 2 positional arguments but 3 were given');
    expect(thrownTorchError(() => untyped.topk!(input('$v'), 2, { dimm: 0 })).message).toBe("torch.topk(): got an unexpected keyword argument 'dimm'");
    expect(thrownTorchError(() => untyped.topk!(input('$v'), 2, 0, { dim: 0 })).message).toBe("torch.topk(): got multiple values for argument 'dim'");
  });

  it('no overload fits: PyTorch\'s "invalid combination" on one line', () => {
    const msg = thrownTorchError(() => untyped.lerp!(a(), 'x', 0.5)).message;
    expect(msg).toMatch(/^torch\.lerp\(\) received an invalid combination of arguments - got \(Tensor, string, 0\.5\), but expected one of: \(Tensor input, Tensor end, Number weight\) \| \(Tensor input, Tensor end, Tensor weight\)$/);
  });

  it('a disposed tensor, a keyword-only argument given positionally', () => {
    const x = a();
    x.dispose();
    expect(thrownTorchError(() => torch.atan2(x, a())).message).toBe('tensor has been disposed');
    expect(thrownTorchError(() => untyped.addcmul!(a(), a(), a(), 0.5)).message).toBe('torch.addcmul(): takes 3 positional arguments but 4 were given');
  });
});

describe('calling conventions', () => {
  it('varargs sizes, single ints for sized lists, dtype objects and names, factories with requiresGrad', () => {
    const t = input('$t3');
    expect(t.repeat(1, 2, 1).shape).toEqual([2, 6, 4]);
    expect(t.repeat([1, 2, 1]).shape).toEqual([2, 6, 4]);
    expect(torch.amax(input('$d'), 1).shape).toEqual([3]); // int[1] dim given one int
    expect(torch.cumsum(input('$i'), 0, { dtype: torch.float64 }).dtype.name).toBe('float64');
    expect(torch.cumsum(input('$i'), 0, { dtype: 'float32' }).dtype.name).toBe('float32');
    const w = torch.hannWindow(4, { dtype: torch.float64, requiresGrad: true });
    expect(w.requiresGrad).toBe(true);
    expect(w.dtype.name).toBe('float64');
  });

  it('tuple results are arrays, Tensor[] results arrays of tensors, numbers and bools plain values', () => {
    const [values, indices] = torch.sort(input('$v'));
    expect(values).toBeInstanceOf(Tensor);
    expect(indices!.dtype.name).toBe('int64');
    const parts = torch.split(input('$v'), 4);
    expect(parts.map((p) => p.shape)).toEqual([[4], [2]]);
    expect(torch.isNonzero(torch.tensor([3]))).toBe(true);
    expect(input('$a').isFloatingPoint()).toBe(true);
    expect(input('$i').isFloatingPoint()).toBe(false);
  });
});

describe('every generated op survives simple arguments', () => {
  // Each overload of each generated function and method, called with small
  // arguments of the kinds its schema names (3x3 float tensors, 1, 0.5, …):
  // whatever libtorch makes of them, the call returns or throws a one-line
  // TorchError, and the process lives on.
  const source = ['functions', 'methods'].map((f) => readFileSync(new URL(`../ts/generated/${f}.ts`, import.meta.url), 'utf8'));
  const tables = (text: string): [string, [string, string, string, [string, string, string, number][]][]][] =>
    [...text.matchAll(/^const (\w+)\$: readonly Overload\[\] = (\[[\s\S]*?\n\]);/gm)].map((m) => [m[1]!, JSON.parse(m[2]!)]);
  const simple = (kind: string): unknown => {
    const t = (): Tensor => torch.linspace(-1, 1, 9).reshape(3, 3);
    const values: Record<string, () => unknown> = {
      t, a: t, i: () => 1, f: () => 0.5, b: () => false, s: () => 2, l: () => [1], d: () => [0.5], n: () => [false],
      v: () => [t(), t()], w: () => [t()], y: () => 'float32', o: () => 'strided', e: () => 'cpu', m: () => 'contiguous_format', c: () => 'mean', g: () => null,
    };
    return values[kind.toLowerCase()]!();
  };
  it.each([['torch', 0], ['Tensor', 1]] as const)('%s', (_, which) => {
    let calls = 0;
    for (const [name, overloads] of tables(source[which]!)) {
      const exported = which === 1 || name in torch ? name : name.replace(/_$/, ''); // var_ is exported as var
      for (const o of overloads) {
        const required = o[3].filter((p) => !(p[3] & 2)).map((p) => simple(p[2]));
        const target: object = which === 0 ? torch : torch.linspace(-1, 1, 9).reshape(3, 3);
        const args = which === 0 ? required : required.slice(1);
        calls++;
        try {
          callable(target, exported)(...args);
        } catch (err) {
          expect(err, `${name}(${o[1]})`).toBeInstanceOf(torch.TorchError);
          expect((err as Error).message, `${name}(${o[1]})`).not.toContain('\n');
        }
      }
    }
    expect(calls).toBeGreaterThan(400);
  });
});
