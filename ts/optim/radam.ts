// torch.optim.RAdam.
import { native, type NativeOptimizer } from '../native';
import type { RadamConfig } from '../../native/index';
import { Tensor } from '../tensor';
import type { Parameter } from '../nn/parameter';
import { Optimizer, type ParamsArg } from './optimizer';
import { checkBetas, checkBools, checkNumbers } from './checks';
import { stateNumber, stateTensor, type ParamState } from './param_state';

export interface RAdamOptions {
  /** @default 0.001 */
  lr: number;
  /** @default [0.9, 0.999] */
  betas: [number, number];
  /** @default 1e-8 */
  eps: number;
  /** @default 0 */
  weightDecay: number;
  /** Decay the weights directly, as AdamW does. @default false */
  decoupledWeightDecay: boolean;
  /** @default false */
  maximize: boolean;
}

/**
 * RAdam (rectified Adam) with the update math of PyTorch's default CPU path
 * (`_single_tensor_radam`): plain momentum steps until the variance estimate
 * is trustworthy (rho_t > 5), adaptive ones after.
 *
 * @example
 * const optimizer = new optim.RAdam(model.parameters(), { lr: 0.001 });
 */
export class RAdam extends Optimizer<RAdamOptions> {
  constructor(params: ParamsArg<RAdamOptions>, opts: Partial<RAdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, maximize: false, ...opts });
  }

  private engineConfig(h: RAdamOptions): RadamConfig {
    const [beta1, beta2] = checkBetas('RAdam', h.betas);
    checkNumbers('RAdam', h, ['lr', 'eps', 'weightDecay']);
    checkBools('RAdam', h, ['decoupledWeightDecay', 'maximize']);
    return {
      lr: h.lr, beta1, beta2, eps: h.eps, weightDecay: h.weightDecay,
      decoupledWeightDecay: h.decoupledWeightDecay, maximize: h.maximize,
    };
  }

  protected createEngine(params: Parameter[], h: RAdamOptions): NativeOptimizer {
    return native.NativeOptimizer.radam(params.map((p) => p._n), this.engineConfig(h));
  }

  protected configureEngine(engine: NativeOptimizer, h: RAdamOptions): void {
    engine.configureRadam(this.engineConfig(h));
  }

  protected paramState(engine: NativeOptimizer, i: number): ParamState | null {
    const s = engine.radamState(i);
    return s ? { step: s.step, exp_avg: new Tensor(s.expAvg), exp_avg_sq: new Tensor(s.expAvgSq) } : null;
  }

  protected setParamState(engine: NativeOptimizer, i: number, s: ParamState): void {
    engine.setRadamState(
      i,
      stateNumber('RAdam', s, 'step'),
      stateTensor('RAdam', s, 'exp_avg')._n,
      stateTensor('RAdam', s, 'exp_avg_sq')._n,
    );
  }
}
