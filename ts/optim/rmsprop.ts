// torch.optim.RMSprop.
import { native, type NativeOptimizer } from '../native';
import type { RmspropConfig } from '../../native/index';
import { Tensor } from '../tensor';
import type { Parameter } from '../nn/parameter';
import { Optimizer, type ParamsArg } from './optimizer';
import { checkBools, checkNumbers } from './checks';
import { optionalStateTensor, stateNumber, stateTensor, type ParamState } from './param_state';

export interface RMSpropOptions {
  /** @default 0.01 */
  lr: number;
  /** Smoothing constant of the squared-gradient average. @default 0.99 */
  alpha: number;
  /** @default 1e-8 */
  eps: number;
  /** @default 0 */
  weightDecay: number;
  /** @default 0 */
  momentum: number;
  /** Normalise by an estimate of the gradient's variance. @default false */
  centered: boolean;
  /** @default false */
  maximize: boolean;
}

/**
 * RMSprop with the update math of PyTorch's default CPU path
 * (`_single_tensor_rmsprop`), so training matches Python step for step.
 *
 * @example
 * const optimizer = new optim.RMSprop(model.parameters(), { lr: 0.01, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: ParamsArg<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...opts });
  }

  private engineConfig(h: RMSpropOptions): RmspropConfig {
    checkNumbers('RMSprop', h, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum']);
    checkBools('RMSprop', h, ['centered', 'maximize']);
    return { lr: h.lr, alpha: h.alpha, eps: h.eps, weightDecay: h.weightDecay, momentum: h.momentum, centered: h.centered, maximize: h.maximize };
  }

  protected createEngine(params: Parameter[], h: RMSpropOptions): NativeOptimizer {
    return native.NativeOptimizer.rmsprop(params.map((p) => p._n), this.engineConfig(h));
  }

  protected configureEngine(engine: NativeOptimizer, h: RMSpropOptions): void {
    engine.configureRmsprop(this.engineConfig(h));
  }

  protected paramState(engine: NativeOptimizer, i: number): ParamState | null {
    const s = engine.rmspropState(i);
    if (!s) return null;
    const out: ParamState = { step: s.step, square_avg: new Tensor(s.squareAvg) };
    if (s.momentumBuffer) out.momentum_buffer = new Tensor(s.momentumBuffer);
    if (s.gradAvg) out.grad_avg = new Tensor(s.gradAvg);
    return out;
  }

  protected setParamState(engine: NativeOptimizer, i: number, s: ParamState): void {
    engine.setRmspropState(
      i,
      stateNumber('RMSprop', s, 'step'),
      stateTensor('RMSprop', s, 'square_avg')._n,
      optionalStateTensor(s, 'momentum_buffer')?._n,
      optionalStateTensor(s, 'grad_avg')?._n,
    );
  }
}
