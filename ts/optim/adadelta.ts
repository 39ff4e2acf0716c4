// torch.optim.Adadelta.
import { native, type NativeOptimizer } from '../native';
import type { AdadeltaConfig } from '../../native/index';
import { Tensor } from '../tensor';
import type { Parameter } from '../nn/parameter';
import { Optimizer, type ParamsArg } from './optimizer';
import { checkBools, checkNumbers } from './checks';
import { stateNumber, stateTensor, type ParamState } from './param_state';

export interface AdadeltaOptions {
  /** Scales the delta before it is applied. @default 1.0 */
  lr: number;
  /** Decay of the running averages of squared gradients and updates. @default 0.9 */
  rho: number;
  /** @default 1e-6 */
  eps: number;
  /** @default 0 */
  weightDecay: number;
  /** @default false */
  maximize: boolean;
}

/**
 * Adadelta with the update math of PyTorch's default CPU path
 * (`_single_tensor_adadelta`), so training matches Python step for step.
 *
 * @example
 * const optimizer = new optim.Adadelta(model.parameters());
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  constructor(params: ParamsArg<AdadeltaOptions>, opts: Partial<AdadeltaOptions> = {}) {
    super(params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, ...opts });
  }

  private engineConfig(h: AdadeltaOptions): AdadeltaConfig {
    checkNumbers('Adadelta', h, ['lr', 'rho', 'eps', 'weightDecay']);
    checkBools('Adadelta', h, ['maximize']);
    return { lr: h.lr, rho: h.rho, eps: h.eps, weightDecay: h.weightDecay, maximize: h.maximize };
  }

  protected createEngine(params: Parameter[], h: AdadeltaOptions): NativeOptimizer {
    return native.NativeOptimizer.adadelta(params.map((p) => p._n), this.engineConfig(h));
  }

  protected configureEngine(engine: NativeOptimizer, h: AdadeltaOptions): void {
    engine.configureAdadelta(this.engineConfig(h));
  }

  protected paramState(engine: NativeOptimizer, i: number): ParamState | null {
    const s = engine.adadeltaState(i);
    return s ? { step: s.step, square_avg: new Tensor(s.squareAvg), acc_delta: new Tensor(s.accDelta) } : null;
  }

  protected setParamState(engine: NativeOptimizer, i: number, s: ParamState): void {
    engine.setAdadeltaState(
      i,
      stateNumber('Adadelta', s, 'step'),
      stateTensor('Adadelta', s, 'square_avg')._n,
      stateTensor('Adadelta', s, 'acc_delta')._n,
    );
  }
}
