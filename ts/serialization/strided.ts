// A tensor as PyTorch stores it, (storage, offset, size, stride), rebuilt as
// a view of its storage from the view ops the native layer has (slice,
// narrow, view, permute, unsqueeze, expand), so that tensors sharing a
// storage in the file share memory after loading. Layouts no chain of
// those ops reaches (overlapping windows) go through as_strided (pt.ts).
import { native, type NativeTensor } from '../native';

interface Dim {
  index: number; // position in the tensor's shape
  size: number;
  stride: number;
}

/** The largest number of divisor checks one layout may cost (strides can be huge). */
const SEARCH_BUDGET = 100_000;

/**
 * A view of `storage` (1-D, `length` elements) with the given layout, or null
 * when no chain of view ops expresses it. The caller has checked that every
 * element lies inside the storage and that the tensor is not empty.
 */
export function stridedView(storage: NativeTensor, length: number, offset: number, size: readonly number[], stride: readonly number[]): NativeTensor | null {
  const dims: Dim[] = size.map((s, i) => ({ index: i, size: s, stride: stride[i]! }));
  // Size-1 dims have no meaningful stride and stride-0 dims repeat (expand):
  // both come back at the end. The rest is laid out outermost first.
  const live = dims.filter((d) => d.size > 1 && d.stride > 0).sort((a, b) => b.stride - a.stride || a.index - b.index);
  const core = liveView(storage, length, offset, live);
  if (core === null) return null;
  const temps: NativeTensor[] = [core];
  try {
    // Back to the tensor's own dim order, then the missing dims put back.
    const order = [...live].sort((a, b) => a.index - b.index).map((d) => live.indexOf(d));
    let t = core;
    if (order.some((o, i) => o !== i)) temps.push((t = native.permute(t, order)));
    for (const d of dims) if (!live.includes(d)) temps.push((t = native.unsqueeze(t, d.index)));
    if (dims.some((d) => d.stride === 0 && d.size > 1)) temps.push((t = native.expand(t, [...size])));
    temps.pop();
    return t;
  } finally {
    for (const t of temps) native.dispose(t);
  }
}

/** The live dims (positive strides, outermost first) as a view, or null. */
function liveView(storage: NativeTensor, length: number, offset: number, live: Dim[]): NativeTensor | null {
  if (live.length === 0) {
    const one = native.narrow(storage, 0, offset, 1);
    try {
      return native.view(one, []);
    } finally {
      native.dispose(one);
    }
  }
  // Step over the storage by the innermost stride, so the innermost dim is dense.
  const unit = live[live.length - 1]!.stride;
  if (live.some((d) => d.stride % unit !== 0)) return null;
  const first = offset % unit;
  const available = Math.floor((length - first - 1) / unit) + 1;
  const start = (offset - first) / unit;
  const strides = live.map((d) => d.stride / unit);
  const sizes = live.map((d) => d.size);

  const pitches = chooseParent(strides, sizes, start);
  if (pitches === null) return null;
  const rowStart = start - (start % pitches[0]!);
  const rows = sizes[0]!;
  if (rowStart + rows * pitches[0]! > available) return null; // the last row would run past the storage

  const temps: NativeTensor[] = [];
  try {
    let t = native.slice(storage, 0, first, length, unit);
    temps.push(t);
    temps.push((t = native.narrow(t, 0, rowStart, rows * pitches[0]!)));
    // The parent block: dense, shape [rows, P0/P1, P1/P2, ..., P(k-1)].
    const parent = [rows, ...pitches.slice(1).map((p, i) => pitches[i]! / p)];
    temps.push((t = native.view(t, parent)));
    let rest = start - rowStart;
    for (let i = 1; i < live.length; i++) {
      const pitch = pitches[i]!;
      const at = Math.floor(rest / pitch);
      rest -= at * pitch;
      const step = strides[i]! / pitch;
      temps.push((t = native.slice(t, i, at, at + (sizes[i]! - 1) * step + 1, step)));
    }
    temps.pop();
    return t;
  } finally {
    for (const t of temps) native.dispose(t);
  }
}

/**
 * Pitches P (P0 = the outermost stride, P(k-1) = 1, each dividing the one
 * before and its own dim's stride) of a dense parent block of which the
 * tensor is a slice with steps stride/P: searched outermost first, largest
 * pitch first (fewest steps), within a fixed budget.
 */
function chooseParent(strides: number[], sizes: number[], start: number): number[] | null {
  const k = strides.length;
  const pitches = [strides[0]!];
  const rest = start % strides[0]!;
  let budget = SEARCH_BUDGET;
  const search = (i: number): boolean => {
    if (i === k) return pitches[k - 1] === 1;
    const outer = pitches[i - 1]!;
    for (const pitch of divisorsDescending(gcd(outer, strides[i]!))) {
      if (--budget < 0) return false;
      const at = Math.floor(rest / pitch) % (outer / pitch);
      const step = strides[i]! / pitch;
      if (at + (sizes[i]! - 1) * step + 1 > outer / pitch) continue;
      pitches[i] = pitch;
      if (search(i + 1)) return true;
    }
    return false;
  };
  return search(1) ? pitches.slice(0, k) : null;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function divisorsDescending(n: number): number[] {
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d === 0) {
      small.push(d);
      if (d * d !== n) large.push(n / d);
    }
  }
  return [...large, ...small.reverse()];
}
