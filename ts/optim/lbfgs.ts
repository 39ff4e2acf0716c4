// torch.optim.LBFGS: PyTorch's algorithm (torch/optim/lbfgs.py, itself
// Python) op for op on torchts tensors. Its work is a few vector ops per
// iteration around the user's closure, so it needs no native engine.
//
// lbfgs.py mixes Python numbers and 0-dim tensors (the step `t`, `H_diag`,
// the line search's bracket), and which one a value is decides how later
// arithmetic rounds: float32 tensor ops round each result to float32,
// Python floats stay doubles. `Num` below keeps that distinction and each
// operator dispatches as Python's would (`1.0 / t` is `t.reciprocal() * 1.0`,
// `x - t` is `rsub`, `x > t` is `t < x`), so the steps match bit for bit.
import { native } from '../native';
import { argumentError } from '../errors';
import { describe } from '../validate';
import { Tensor } from '../tensor';
import { cat } from '../ops';
import { zerosLike } from '../creation';
import { enableGrad, noGrad } from '../autograd';

export interface LBFGSOptions {
  /** @default 1 */
  lr: number;
  /** Iterations per `step()`. @default 20 */
  maxIter: number;
  /** Closure evaluations per `step()`. @default maxIter * 5 // 4 */
  maxEval: number;
  /** Stop when the largest gradient element is at most this. @default 1e-7 */
  toleranceGrad: number;
  /** Stop when the loss or the step changes less than this. @default 1e-9 */
  toleranceChange: number;
  /** Update pairs kept. @default 100 */
  historySize: number;
  /** @default null (a fixed step of `lr`) */
  lineSearchFn: 'strong_wolfe' | null;
}

/** A Python number or a 0-dim tensor, whichever lbfgs.py holds at that point. */
type Num = number | Tensor;

/**
 * LBFGS's state, under PyTorch's names: like PyTorch it is kept for the
 * first parameter only (state-dict index 0).
 */
export interface LBFGSState {
  func_evals: number;
  n_iter: number;
  d?: Tensor;
  t?: Num;
  old_dirs?: Tensor[];
  old_stps?: Tensor[];
  ro?: Tensor[];
  H_diag?: Num;
  prev_flat_grad?: Tensor;
  prev_loss?: number;
  al?: (Tensor | null)[];
}

export interface LBFGSStateDict {
  state: Map<number, LBFGSState>;
  paramGroups: Record<string, unknown>[];
}

// ---- Python's operators on numbers and 0-dim tensors ----------------------

function add(a: Num, b: Num): Num {
  if (a instanceof Tensor) return a.add(b);
  return b instanceof Tensor ? b.add(a) : a + b;
}

function sub(a: Num, b: Num): Num {
  if (a instanceof Tensor) return a.sub(b);
  // Tensor.__rsub__: x - t rounds once, as (-t) + x does.
  return b instanceof Tensor ? b.neg().add(a) : a - b;
}

function mul(a: Num, b: Num): Num {
  if (a instanceof Tensor) return a.mul(b);
  return b instanceof Tensor ? b.mul(a) : a * b;
}

function div(a: Num, b: Num): Num {
  if (a instanceof Tensor) return a.div(b);
  if (b instanceof Tensor) return b.reciprocal().mul(a); // Tensor.__rtruediv__
  if (b === 0) throw argumentError('LBFGS: float division by zero (two line-search points coincide)');
  return a / b;
}

function truthy(t: Tensor): boolean {
  return Boolean(t.item());
}

function gt(a: Num, b: Num): boolean {
  if (a instanceof Tensor) return truthy(a.gt(b));
  return b instanceof Tensor ? truthy(b.lt(a)) : a > b;
}

function lt(a: Num, b: Num): boolean {
  return gt(b, a);
}

function le(a: Num, b: Num): boolean {
  if (a instanceof Tensor) return truthy(a.le(b));
  return b instanceof Tensor ? truthy(b.ge(a)) : a <= b;
}

function ge(a: Num, b: Num): boolean {
  return le(b, a);
}

function abs(a: Num): Num {
  return a instanceof Tensor ? a.abs() : Math.abs(a);
}

/** Python's `max(a, b)`: `a` unless `b > a`. */
function pyMax(a: Num, b: Num): Num {
  return gt(b, a) ? b : a;
}

/** Python's `min(a, b)`: `a` unless `b < a`. */
function pyMin(a: Num, b: Num): Num {
  return lt(b, a) ? b : a;
}

/** A number for an op's Scalar argument (`alpha=t`): a tensor's value, as PyTorch's argument parser takes it. */
function scalar(a: Num): number {
  return a instanceof Tensor ? Number(a.item()) : a;
}

function dot(a: Tensor, b: Tensor): Tensor {
  return a.matmul(b); // 1-D @ 1-D is at::dot
}

/** `input.add_(other, alpha=alpha)`, one fused multiply-add as in PyTorch. */
function addScaled_(input: Tensor, other: Tensor, alpha: Num): void {
  native.addScaled_(input._n, other._n, scalar(alpha));
}

// ---- the line search (lbfgs.py's _cubic_interpolate and _strong_wolfe) ----

function cubicInterpolate(x1: Num, f1: Num, g1: Num, x2: Num, f2: Num, g2: Num, bounds?: [Num, Num]): Num {
  const [xminBound, xmaxBound] = bounds ?? (le(x1, x2) ? [x1, x2] : [x2, x1]);
  // d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
  const d1 = sub(add(g1, g2), div(mul(3, sub(f1, f2)), sub(x1, x2)));
  const d2Square = sub(d1 instanceof Tensor ? d1.pow(2) : d1 * d1, mul(g1, g2));
  if (ge(d2Square, 0)) {
    const d2 = d2Square instanceof Tensor ? d2Square.sqrt() : Math.sqrt(d2Square);
    const minPos = le(x1, x2)
      ? sub(x2, mul(sub(x2, x1), div(sub(add(g2, d2), d1), add(sub(g2, g1), mul(2, d2)))))
      : sub(x1, mul(sub(x1, x2), div(sub(add(g1, d2), d1), add(sub(g1, g2), mul(2, d2)))));
    return pyMin(pyMax(minPos, xminBound), xmaxBound);
  }
  return div(add(xminBound, xmaxBound), 2.0);
}

type ObjFunc = (x: Tensor[], t: Num, d: Tensor) => [number, Tensor];

function strongWolfe(
  objFunc: ObjFunc, x: Tensor[], t0: Num, d: Tensor, f: number, g0: Tensor, gtd: Num,
  c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25,
): [number, Tensor, Num, number] {
  let t = t0;
  const dNorm = d.abs().max();
  const g = g0.clone();
  let [fNew, gNew] = objFunc(x, t, d);
  let lsFuncEvals = 1;
  let gtdNew: Num = dot(gNew, d);

  let tPrev: Num = 0;
  let fPrev = f;
  let gPrev = g;
  let gtdPrev: Num = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: Num[] | undefined;
  let bracketF: number[] = [];
  let bracketG: Tensor[] = [];
  let bracketGtd: Num[] = [];
  while (lsIter < maxLs) {
    if (gt(fNew, add(f, mul(mul(c1, t), gtd))) || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew.clone()];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (le(abs(gtdNew), mul(-c2, gtd))) {
      bracket = [t];
      bracketF = [fNew];
      bracketG = [gNew];
      done = true;
      break;
    }
    if (ge(gtdNew, 0)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew.clone()];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    // interpolate
    const minStep = add(t, mul(0.01, sub(t, tPrev)));
    const maxStep = mul(t, 10);
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    // next step
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew.clone();
    gtdPrev = gtdNew;
    [fNew, gNew] = objFunc(x, t, d);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
  }
  // reached max number of iterations?
  if (lsIter === maxLs) {
    bracket = [0, t];
    bracketF = [f, fNew];
    bracketG = [g, gNew];
  }
  if (bracket === undefined) throw argumentError(`LBFGS: the line search got maxEval - evaluations = ${maxLs} evaluations; raise maxEval`);

  // zoom phase: refine the bracket until a point satisfies the criteria
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    const [b0, b1] = [bracket[0]!, bracket[1]!];
    // line-search bracket is so small
    if (lt(mul(abs(sub(b1, b0)), dNorm), toleranceChange)) break;
    t = cubicInterpolate(b0, bracketF[0]!, bracketGtd[0]!, b1, bracketF[1]!, bracketGtd[1]!);
    // Too close to an end of the bracket: move 0.1 of its length away from it
    // (at once if the last step also made too little progress).
    const hi = pyMax(b0, b1);
    const lo = pyMin(b0, b1);
    const eps = mul(0.1, sub(hi, lo));
    if (lt(pyMin(sub(hi, t), sub(t, lo)), eps)) {
      if (insufProgress || ge(t, hi) || le(t, lo)) {
        t = lt(abs(sub(t, hi)), abs(sub(t, lo))) ? sub(hi, eps) : add(lo, eps);
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    // Evaluate new point
    [fNew, gNew] = objFunc(x, t, d);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;

    if (gt(fNew, add(f, mul(mul(c1, t), gtd))) || fNew >= bracketF[lowPos]!) {
      // Armijo condition not satisfied or not lower than lowest point
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew.clone();
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
    } else {
      if (le(abs(gtdNew), mul(-c2, gtd))) {
        done = true; // Wolfe conditions satisfied
      } else if (ge(mul(gtdNew, sub(bracket[highPos]!, bracket[lowPos]!)), 0)) {
        // old high becomes new low
        bracket[highPos] = bracket[lowPos]!;
        bracketF[highPos] = bracketF[lowPos]!;
        bracketG[highPos] = bracketG[lowPos]!;
        bracketGtd[highPos] = bracketGtd[lowPos]!;
      }
      // new point becomes new low
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew.clone();
      bracketGtd[lowPos] = gtdNew;
    }
  }
  return [bracketF[lowPos]!, bracketG[lowPos]!, bracket[lowPos]!, lsFuncEvals];
}

// ---- the optimizer --------------------------------------------------------

function checkLbfgs(h: LBFGSOptions): void {
  for (const name of ['lr', 'toleranceGrad', 'toleranceChange'] as const) {
    if (typeof h[name] !== 'number') throw argumentError(`LBFGS: ${name} must be a number, got ${describe(h[name])}`);
  }
  for (const name of ['maxIter', 'maxEval', 'historySize'] as const) {
    if (!Number.isSafeInteger(h[name])) throw argumentError(`LBFGS: ${name} must be an integer, got ${describe(h[name])}`);
  }
  if (!(h.lr >= 0)) throw argumentError(`Invalid learning rate: ${h.lr}`);
  if (h.lineSearchFn !== null && typeof h.lineSearchFn !== 'string') {
    throw argumentError(`LBFGS: lineSearchFn must be 'strong_wolfe' or null, got ${describe(h.lineSearchFn)}`);
  }
}

/**
 * L-BFGS, PyTorch's algorithm step for step (optionally with its strong-Wolfe
 * line search). `step(closure)` calls the closure, which re-evaluates the
 * model and returns the loss, several times per step; it returns the first loss.
 * One parameter group only, as in PyTorch.
 *
 * @example
 * const optimizer = new optim.LBFGS(model.parameters(), { lineSearchFn: 'strong_wolfe' });
 * optimizer.step(() => {
 *   optimizer.zeroGrad();
 *   const loss = criterion.forward(model.forward(x), y);
 *   loss.backward();
 *   return loss;
 * });
 */
export class LBFGS {
  readonly defaults: LBFGSOptions;
  readonly paramGroups: (LBFGSOptions & { params: Tensor[] })[];
  private state: LBFGSState = { func_evals: 0, n_iter: 0 };

  constructor(params: Iterable<Tensor> | (Partial<LBFGSOptions> & { params: Iterable<Tensor> })[], opts: Partial<LBFGSOptions> = {}) {
    const maxIter = opts.maxIter ?? 20;
    this.defaults = {
      lr: 1, maxIter, maxEval: Math.floor((maxIter * 5) / 4), toleranceGrad: 1e-7, toleranceChange: 1e-9,
      historySize: 100, lineSearchFn: null, ...opts,
    };
    checkLbfgs(this.defaults);
    if (params === null || typeof params !== 'object' || params instanceof Tensor || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw argumentError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${describe(params)}`);
    }
    const list: unknown[] = [...params];
    if (list.length === 0) throw argumentError('optimizer got an empty parameter list');
    const isGroup = (v: unknown): v is Partial<LBFGSOptions> & { params: Iterable<unknown> } => !(v instanceof Tensor) && v !== null && typeof v === 'object' && 'params' in v;
    const groups = list.filter(isGroup);
    if (groups.length > 1) throw argumentError("LBFGS doesn't support per-parameter options (parameter groups)");
    const group = groups[0] ?? { params: list };
    const paramList: Tensor[] = [];
    for (const p of group.params) {
      if (!(p instanceof Tensor)) throw argumentError(`optimizer can only optimize Tensors, but one of the params is ${describe(p)}`);
      if (!p.isLeaf) throw argumentError("can't optimize a non-leaf Tensor");
      paramList.push(p);
    }
    if (new Set(paramList).size !== paramList.length) throw argumentError('optimizer contains a parameter group with duplicate parameters');
    const full = { ...this.defaults, ...group, params: paramList };
    checkLbfgs(full);
    this.paramGroups = [full];
  }

  private get params(): Tensor[] {
    return this.paramGroups[0]!.params;
  }

  /** Clears (by default) or zeroes the gradients of every optimized parameter. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const p of this.params) p._zeroGrad(setToNone);
  }

  private gatherFlatGrad(): Tensor {
    return cat(this.params.map((p) => (p.grad ?? zerosLike(p)).reshape(-1)), 0);
  }

  private addGrad(stepSize: Num, update: Tensor): void {
    let offset = 0;
    for (const p of this.params) {
      const numel = p.numel();
      addScaled_(p, update.narrow(0, offset, numel).view(p.shape), stepSize);
      offset += numel;
    }
  }

  private directionalEvaluate(closure: () => Tensor, x: Tensor[], t: Num, d: Tensor): [number, Tensor] {
    this.addGrad(t, d);
    const loss = lossValue(closure);
    const flatGrad = this.gatherFlatGrad();
    this.params.forEach((p, i) => p.copy_(x[i]!));
    return [loss, flatGrad];
  }

  /**
   * One optimization step: up to `maxIter` iterations, each calling `closure`
   * (with gradients enabled) once, or several times with the line search.
   * Returns the loss of the first call.
   */
  step(closure: () => Tensor): Tensor {
    if (typeof closure !== 'function') throw argumentError(`LBFGS.step: closure must be a function that re-evaluates the model and returns the loss, got ${describe(closure)}`);
    const group = this.paramGroups[0]!;
    checkLbfgs(group);
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    const guarded = () => enableGrad(() => {
      const loss = closure();
      if (!(loss instanceof Tensor)) throw argumentError(`LBFGS.step: the closure must return the loss tensor, got ${describe(loss)}`);
      return loss;
    });
    return noGrad(() => this.run(guarded, { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize }));
  }

  private run(closure: () => Tensor, h: LBFGSOptions): Tensor {
    const state = this.state;
    const origLoss = closure();
    let loss = Number(origLoss.item());
    let currentEvals = 1;
    state.func_evals += 1;

    let flatGrad = this.gatherFlatGrad();
    let optCond = le(flatGrad.abs().max(), h.toleranceGrad);
    if (optCond) return origLoss;

    let d = state.d;
    let t = state.t;
    let oldDirs = state.old_dirs;
    let oldStps = state.old_stps;
    let ro = state.ro;
    let hDiag = state.H_diag;
    let prevFlatGrad = state.prev_flat_grad;
    let prevLoss = state.prev_loss;

    let nIter = 0;
    while (nIter < h.maxIter) {
      nIter += 1;
      state.n_iter += 1;

      // the descent direction
      if (state.n_iter === 1) {
        d = flatGrad.neg();
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        if (!d || t === undefined || !oldDirs || !oldStps || !ro || hDiag === undefined || !prevFlatGrad) {
          throw argumentError('LBFGS: the state has n_iter > 0 but lacks d, t, old_dirs, old_stps, ro, H_diag or prev_flat_grad');
        }
        // update the memory
        const y = flatGrad.sub(prevFlatGrad);
        const s = d.mul(t);
        const ys = dot(y, s);
        if (gt(ys, 1e-10)) {
          if (oldDirs.length === h.historySize) {
            // shift the history by one (limited memory)
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(ys.reciprocal().mul(1.0)); // 1.0 / ys (Tensor.__rtruediv__)
          hDiag = ys.div(dot(y, y));
        }
        // the approximate inverse Hessian times the gradient (two-loop recursion)
        const numOld = oldDirs.length;
        state.al ??= new Array<Tensor | null>(h.historySize).fill(null);
        const al = state.al;
        const q = flatGrad.neg();
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = dot(oldStps[i]!, q).mul(ro[i]!);
          addScaled_(q, oldDirs[i]!, al[i]!.neg());
        }
        const r = q.mul(hDiag);
        d = r;
        for (let i = 0; i < numOld; i++) {
          const beI = dot(oldDirs[i]!, r).mul(ro[i]!);
          addScaled_(r, oldStps[i]!, al[i]!.sub(beI));
        }
      }

      if (prevFlatGrad === undefined) prevFlatGrad = flatGrad.clone();
      else prevFlatGrad.copy_(flatGrad);
      prevLoss = loss;

      // the step length
      t = state.n_iter === 1 ? mul(pyMin(1.0, div(1.0, flatGrad.abs().sum())), h.lr) : h.lr;
      const gtd = dot(flatGrad, d);
      if (gt(gtd, -h.toleranceChange)) break;

      let lsFuncEvals = 0;
      if (h.lineSearchFn !== null) {
        if (h.lineSearchFn !== 'strong_wolfe') throw argumentError("only 'strong_wolfe' is supported");
        const xInit = this.params.map((p) => p.clone());
        const objFunc: ObjFunc = (x, tt, dd) => this.directionalEvaluate(closure, x, tt, dd);
        [loss, flatGrad, t, lsFuncEvals] = strongWolfe(objFunc, xInit, t, d, loss, flatGrad, gtd, 1e-4, 0.9, 1e-9, h.maxEval - currentEvals);
        this.addGrad(t, d);
        optCond = le(flatGrad.abs().max(), h.toleranceGrad);
      } else {
        // a fixed step; re-evaluate except after the last iteration
        this.addGrad(t, d);
        if (nIter !== h.maxIter) {
          loss = Number(closure().item());
          flatGrad = this.gatherFlatGrad();
          optCond = le(flatGrad.abs().max(), h.toleranceGrad);
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state.func_evals += lsFuncEvals;

      // stopping conditions
      if (nIter === h.maxIter) break;
      if (currentEvals >= h.maxEval) break;
      if (optCond) break;
      if (le(d.mul(t).abs().max(), h.toleranceChange)) break; // lack of progress
      if (Math.abs(loss - prevLoss) < h.toleranceChange) break;
    }

    Object.assign(state, { d, t, old_dirs: oldDirs, old_stps: oldStps, ro, H_diag: hDiag, prev_flat_grad: prevFlatGrad, prev_loss: prevLoss });
    return origLoss;
  }

  /** PyTorch's layout: the whole state under index 0 (the first parameter), `paramGroups` with the options and param indices. */
  stateDict(): LBFGSStateDict {
    const { params, ...hyper } = this.paramGroups[0]!;
    const state = new Map<number, LBFGSState>();
    state.set(0, copyState(this.state));
    return { state, paramGroups: [{ ...hyper, params: params.map((_, i) => i) }] };
  }

  /** Restores the options and the state (its tensors copied to the first parameter's dtype and device). */
  loadStateDict(sd: LBFGSStateDict): void {
    if (!sd || !(sd.state instanceof Map) || !Array.isArray(sd.paramGroups)) {
      throw argumentError(`LBFGS.loadStateDict: expected { state: Map, paramGroups: [...] }, got ${describe(sd)}`);
    }
    if (sd.paramGroups.length !== 1) throw argumentError('loaded state dict has a different number of parameter groups');
    const { params: indices, ...hyper } = sd.paramGroups[0]!;
    if (!Array.isArray(indices) || indices.length !== this.params.length) {
      throw argumentError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    const group = { ...this.paramGroups[0]!, ...hyper, params: this.params };
    checkLbfgs(group);
    const loaded = sd.state.get(indices[0] as number);
    const first = this.params[0]!;
    const state = loaded ? copyState(loaded, first) : { func_evals: 0, n_iter: 0 };
    if (typeof state.func_evals !== 'number' || typeof state.n_iter !== 'number') {
      throw argumentError('LBFGS.loadStateDict: the state needs func_evals and n_iter (numbers)');
    }
    this.paramGroups[0] = group;
    this.state = state;
  }
}

/** `float(closure())`. */
function lossValue(closure: () => Tensor): number {
  return Number(closure().item());
}

/** A copy of the state whose tensors are cloned (and cast to `like`'s dtype and device when given). */
function copyState(s: LBFGSState, like?: Tensor): LBFGSState {
  const t = (v: Tensor): Tensor => (like ? v.to({ dtype: like.dtype.name, device: like.device.toString() }) : v).clone();
  const n = (v: Num | undefined): Num | undefined => (v instanceof Tensor ? t(v) : v);
  const list = (v: Tensor[] | undefined): Tensor[] | undefined => v?.map(t);
  const out: LBFGSState = { func_evals: s.func_evals, n_iter: s.n_iter };
  if (s.d) out.d = t(s.d);
  if (s.t !== undefined) out.t = n(s.t);
  if (s.old_dirs) out.old_dirs = list(s.old_dirs);
  if (s.old_stps) out.old_stps = list(s.old_stps);
  if (s.ro) out.ro = list(s.ro);
  if (s.H_diag !== undefined) out.H_diag = n(s.H_diag);
  if (s.prev_flat_grad) out.prev_flat_grad = t(s.prev_flat_grad);
  if (s.prev_loss !== undefined) out.prev_loss = s.prev_loss;
  if (s.al) out.al = s.al.map((v) => (v ? t(v) : null));
  return out;
}
