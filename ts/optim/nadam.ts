// torch.optim.NAdam.
import { native, type NativeOptimizer } from '../native';
import type { NadamConfig } from '../../native/index';
import { Tensor } from '../tensor';
import type { Parameter } from '../nn/parameter';
import { Optimizer, type ParamsArg } from './optimizer';
import { checkBetas, checkBools, checkNumbers } from './checks';
import { stateNumber, stateTensor, type ParamState } from './param_state';

export interface NAdamOptions {
  /** @default 0.002 */
  lr: number;
  /** @default [0.9, 0.999] */
  betas: [number, number];
  /** @default 1e-8 */
  eps: number;
  /** @default 0 */
  weightDecay: number;
  /** @default 0.004 */
  momentumDecay: number;
  /** Decay the weights directly, as AdamW does (NAdamW). @default false */
  decoupledWeightDecay: boolean;
  /** @default false */
  maximize: boolean;
}

/**
 * NAdam (Adam with Nesterov momentum) with the update math of PyTorch's
 * default CPU path (`_single_tensor_nadam`), including its float32
 * `mu_product`.
 *
 * @example
 * const optimizer = new optim.NAdam(model.parameters(), { lr: 0.002 });
 */
export class NAdam extends Optimizer<NAdamOptions> {
  constructor(params: ParamsArg<NAdamOptions>, opts: Partial<NAdamOptions> = {}) {
    super(params, {
      lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3,
      decoupledWeightDecay: false, maximize: false, ...opts,
    });
  }

  private engineConfig(h: NAdamOptions): NadamConfig {
    const [beta1, beta2] = checkBetas('NAdam', h.betas);
    checkNumbers('NAdam', h, ['lr', 'eps', 'weightDecay', 'momentumDecay']);
    checkBools('NAdam', h, ['decoupledWeightDecay', 'maximize']);
    return {
      lr: h.lr, beta1, beta2, eps: h.eps, weightDecay: h.weightDecay, momentumDecay: h.momentumDecay,
      decoupledWeightDecay: h.decoupledWeightDecay, maximize: h.maximize,
    };
  }

  protected createEngine(params: Parameter[], h: NAdamOptions): NativeOptimizer {
    return native.NativeOptimizer.nadam(params.map((p) => p._n), this.engineConfig(h));
  }

  protected configureEngine(engine: NativeOptimizer, h: NAdamOptions): void {
    engine.configureNadam(this.engineConfig(h));
  }

  protected paramState(engine: NativeOptimizer, i: number): ParamState | null {
    const s = engine.nadamState(i);
    if (!s) return null;
    return { step: s.step, mu_product: s.muProduct, exp_avg: new Tensor(s.expAvg), exp_avg_sq: new Tensor(s.expAvgSq) };
  }

  protected setParamState(engine: NativeOptimizer, i: number, s: ParamState): void {
    engine.setNadamState(
      i,
      stateNumber('NAdam', s, 'step'),
      stateNumber('NAdam', s, 'mu_product'),
      stateTensor('NAdam', s, 'exp_avg')._n,
      stateTensor('NAdam', s, 'exp_avg_sq')._n,
    );
  }
}
