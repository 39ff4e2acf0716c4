// torch.optim.Adamax.
import { native, type NativeOptimizer } from '../native';
import type { AdamaxConfig } from '../../native/index';
import { Tensor } from '../tensor';
import type { Parameter } from '../nn/parameter';
import { Optimizer, type ParamsArg } from './optimizer';
import { checkBetas, checkBools, checkNumbers } from './checks';
import { stateNumber, stateTensor, type ParamState } from './param_state';

export interface AdamaxOptions {
  /** @default 0.002 */
  lr: number;
  /** @default [0.9, 0.999] */
  betas: [number, number];
  /** @default 1e-8 */
  eps: number;
  /** @default 0 */
  weightDecay: number;
  /** @default false */
  maximize: boolean;
}

/**
 * Adamax (Adam with the infinity norm) with the update math of PyTorch's
 * default CPU path (`_single_tensor_adamax`).
 *
 * @example
 * const optimizer = new optim.Adamax(model.parameters(), { lr: 0.002 });
 */
export class Adamax extends Optimizer<AdamaxOptions> {
  constructor(params: ParamsArg<AdamaxOptions>, opts: Partial<AdamaxOptions> = {}) {
    super(params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false, ...opts });
  }

  private engineConfig(h: AdamaxOptions): AdamaxConfig {
    const [beta1, beta2] = checkBetas('Adamax', h.betas);
    checkNumbers('Adamax', h, ['lr', 'eps', 'weightDecay']);
    checkBools('Adamax', h, ['maximize']);
    return { lr: h.lr, beta1, beta2, eps: h.eps, weightDecay: h.weightDecay, maximize: h.maximize };
  }

  protected createEngine(params: Parameter[], h: AdamaxOptions): NativeOptimizer {
    return native.NativeOptimizer.adamax(params.map((p) => p._n), this.engineConfig(h));
  }

  protected configureEngine(engine: NativeOptimizer, h: AdamaxOptions): void {
    engine.configureAdamax(this.engineConfig(h));
  }

  protected paramState(engine: NativeOptimizer, i: number): ParamState | null {
    const s = engine.adamaxState(i);
    return s ? { step: s.step, exp_avg: new Tensor(s.expAvg), exp_inf: new Tensor(s.expInf) } : null;
  }

  protected setParamState(engine: NativeOptimizer, i: number, s: ParamState): void {
    engine.setAdamaxState(
      i,
      stateNumber('Adamax', s, 'step'),
      stateTensor('Adamax', s, 'exp_avg')._n,
      stateTensor('Adamax', s, 'exp_inf')._n,
    );
  }
}
