// torch.optim.Adam and AdamW.
import { native, type AdamConfig, type NativeOptimizer } from '../native';
import { argumentError } from '../errors';
import { checkNumberOption, checkOptionalBool, describe } from '../validate';
import { Tensor } from '../tensor';
import type { Parameter } from '../nn/parameter';
import { Optimizer, type ParamsArg } from './optimizer';

export interface AdamOptions {
  /** @default 0.001 */
  lr: number;
  /** @default [0.9, 0.999] */
  betas: [number, number];
  /** @default 1e-8 */
  eps: number;
  /** @default 0 (Adam), 0.01 (AdamW) */
  weightDecay: number;
  /** @default false */
  amsgrad: boolean;
  /** @default false */
  maximize: boolean;
}

/** Types only: the values are the engine's to check (AdamConfig::validate, PyTorch's messages). */
function checkAdam(h: AdamOptions): void {
  if (!Array.isArray(h.betas) || h.betas.length !== 2) throw argumentError(`betas must be a pair of numbers, got ${describe(h.betas)}`);
  for (const name of ['lr', 'eps', 'weightDecay'] as const) checkNumberOption('Adam', name, h[name]);
  h.betas.forEach((b, i) => checkNumberOption('Adam', `betas[${i}]`, b));
  checkOptionalBool('Adam', 'amsgrad', h.amsgrad);
  checkOptionalBool('Adam', 'maximize', h.maximize);
}

/**
 * Adam with the update math of PyTorch's default CPU path
 * (`_single_tensor_adam`), so training matches Python step for step.
 *
 * @example
 * const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...opts });
  }

  /** The engine's config: the hyper-parameters checked and in its names. */
  private engineConfig(h: AdamOptions): AdamConfig {
    checkAdam(h);
    return {
      lr: h.lr, beta1: h.betas[0], beta2: h.betas[1], eps: h.eps, weightDecay: h.weightDecay,
      amsgrad: h.amsgrad, maximize: h.maximize, decoupledWeightDecay: this.isDecoupled(),
    };
  }

  protected createEngine(params: Parameter[], h: AdamOptions): NativeOptimizer {
    return native.NativeOptimizer.adam(params.map((p) => p._n), this.engineConfig(h));
  }

  protected configureEngine(engine: NativeOptimizer, h: AdamOptions): void {
    engine.configureAdam(this.engineConfig(h));
  }

  /** AdamW overrides this; a method (not a field) because engines are built in the base constructor. */
  protected isDecoupled(): boolean {
    return false;
  }

  protected paramState(engine: NativeOptimizer, i: number): Record<string, Tensor | number> | null {
    const s = engine.adamState(i);
    if (!s) return null;
    const out: Record<string, Tensor | number> = { step: s.step, exp_avg: new Tensor(s.expAvg), exp_avg_sq: new Tensor(s.expAvgSq) };
    if (s.maxExpAvgSq) out.max_exp_avg_sq = new Tensor(s.maxExpAvgSq);
    return out;
  }

  protected setParamState(engine: NativeOptimizer, i: number, s: Record<string, Tensor | number>): void {
    const t = (k: string) => s[k] as Tensor | undefined;
    if (!t('exp_avg') || !t('exp_avg_sq')) throw argumentError('Adam state needs exp_avg and exp_avg_sq');
    const step = typeof s.step === 'number' ? s.step : Number((s.step as Tensor).item());
    engine.setAdamState(i, step, t('exp_avg')!._n, t('exp_avg_sq')!._n, t('max_exp_avg_sq')?._n);
  }
}

/** Adam with decoupled weight decay (default weightDecay 0.01). */
export class AdamW extends Adam {
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 1e-2, ...opts });
  }

  protected override isDecoupled(): boolean {
    return true;
  }
}
