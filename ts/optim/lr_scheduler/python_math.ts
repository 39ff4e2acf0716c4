// Python's math.cos and float ** float, rounded as CPython's libm rounds them.
//
// The schedulers' formulas feed each step's lr into the next, so one ulp of
// difference would stay for the rest of a schedule. CPython calls the C
// library (glibc's cos and pow are correctly rounded in practice), but V8's
// Math.cos and Math.pow are fdlibm ports that miss the nearest double in about
// 2% (cos) and 9% (pow) of the arguments a schedule uses. So these evaluate in
// double-double arithmetic (about 106 bits) and round once to the nearest
// double, which is glibc's answer except in astronomically rare ties.

type DD = readonly [hi: number, lo: number];

/** a + b exactly, as a rounded sum and its error (Knuth). */
function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
}

/** twoSum where |a| >= |b| (Dekker). */
function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

/** Veltkamp's split of a double into two 26-bit halves. */
function split(a: number): DD {
  const t = 134217729 * a; // 2^27 + 1
  const hi = t - (t - a);
  return [hi, a - hi];
}

/** a * b exactly, as a rounded product and its error (Dekker). */
function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}

function add(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [s2, e2] = quickTwoSum(s, e + t);
  return quickTwoSum(s2, e2 + f);
}

function mul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

/** a / d for a double d (one correction step). */
function divNumber(a: DD, d: number): DD {
  const q1 = a[0] / d;
  const [p, e] = twoProd(q1, d);
  const [s, f] = twoSum(a[0], -p);
  return quickTwoSum(q1, (s + (f - e + a[1])) / d);
}

function div(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  const r = add(a, neg(mul([q1, 0], b)));
  const q2 = r[0] / b[0];
  const r2 = add(r, neg(mul([q2, 0], b)));
  return add(quickTwoSum(q1, q2), [r2[0] / b[0], 0]);
}

function neg(a: DD): DD {
  return [-a[0], -a[1]];
}

// π/2 to 159 bits, and ln 2 to 106 (each part the nearest double to the rest).
const HALF_PI = [1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33] as const;
const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];

/** Σ (-1)^n r^(2n+first) / (2n+first)!: cos (first = 0) or sin (first = 1) of |r| <= π/4. */
function taylor(r: DD, first: 0 | 1): DD {
  const r2 = mul(r, r);
  let term: DD = first === 0 ? [1, 0] : r;
  let sum = term;
  for (let n = first + 2; n < 40; n += 2) {
    term = neg(divNumber(mul(term, r2), (n - 1) * n));
    sum = add(sum, term);
    if (Math.abs(term[0]) < 1e-36 * Math.abs(sum[0])) break;
  }
  return sum;
}

/** Python's `math.cos(x)`. */
export function cos(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) > 2 ** 28) return Math.cos(x);
  const k = Math.round(x / HALF_PI[0]);
  // r = x - k·π/2, with every product exact so the cancellation keeps its bits.
  let r = add(twoSum(x, -k * HALF_PI[0]), [-twoProd(k, HALF_PI[0])[1], 0]);
  r = add(r, neg(twoProd(k, HALF_PI[1])));
  r = add(r, [-k * HALF_PI[2], 0]);
  const quadrant = ((k % 4) + 4) % 4;
  const v = quadrant % 2 === 0 ? taylor(r, 0) : taylor(r, 1);
  const rounded = v[0] + v[1];
  return quadrant === 0 || quadrant === 3 ? rounded : -rounded;
}

/** e^a for a double-double a of moderate size. */
function exp(a: DD): DD {
  const k = Math.round(a[0] / LN2[0]);
  // r = a - k·ln2, then e^r = (e^(r/1024))^1024 through expm1 squarings.
  const r = add(a, neg(mul([k, 0], LN2)));
  const s: DD = [r[0] / 1024, r[1] / 1024];
  let term: DD = s;
  let em1 = s;
  for (let n = 2; n < 30; n++) {
    term = divNumber(mul(term, s), n);
    em1 = add(em1, term);
    if (Math.abs(term[0]) < 1e-36 * Math.abs(em1[0])) break;
  }
  for (let i = 0; i < 10; i++) em1 = add(mul([2, 0], em1), mul(em1, em1));
  const e = add([1, 0], em1);
  const scale = 2 ** k;
  return [e[0] * scale, e[1] * scale];
}

/** ln x for x > 0: one Newton step on V8's estimate doubles its 53 bits. */
function log(x: number): DD {
  const y: DD = [Math.log(x), 0];
  return add(y, add(mul([x, 0], exp(neg(y))), [-1, 0]));
}

/** x^n for an integer n, by squaring. */
function powInt(x: number, n: number): DD {
  let base: DD = [x, 0];
  let result: DD = [1, 0];
  for (let m = Math.abs(n); m > 0; m = Math.floor(m / 2)) {
    if (m % 2 === 1) result = mul(result, base);
    if (m > 1) base = mul(base, base);
  }
  return n < 0 ? div([1, 0], result) : result;
}

/** Python's `x ** y` for floats. */
export function pow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (!Number.isFinite(x) || !Number.isFinite(y) || x === 0) return Math.pow(x, y);
  if (Number.isInteger(y) && Math.abs(y) <= 2 ** 20) {
    const v = powInt(x, y);
    return v[0] + v[1];
  }
  if (x < 0) return Math.pow(x, y); // NaN, as C's pow gives (Python would return a complex)
  const z = mul(log(x), [y, 0]);
  if (Math.abs(z[0]) > 700) return Math.pow(x, y);
  const v = exp(z);
  return v[0] + v[1];
}
