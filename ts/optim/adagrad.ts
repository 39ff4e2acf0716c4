// torch.optim.Adagrad.
import { native, type NativeOptimizer } from '../native';
import type { AdagradConfig } from '../../native/index';
import { Tensor } from '../tensor';
import type { Parameter } from '../nn/parameter';
import { Optimizer, type ParamsArg } from './optimizer';
import { checkBools, checkNumbers } from './checks';
import { stateNumber, stateTensor, type ParamState } from './param_state';

export interface AdagradOptions {
  /** @default 0.01 */
  lr: number;
  /** The step size is lr / (1 + (step - 1) * lrDecay). @default 0 */
  lrDecay: number;
  /** @default 0 */
  weightDecay: number;
  /** The value each parameter's sum of squared gradients starts from. @default 0 */
  initialAccumulatorValue: number;
  /** @default 1e-10 */
  eps: number;
  /** @default false */
  maximize: boolean;
}

/**
 * Adagrad with the update math of PyTorch's default CPU path
 * (`_single_tensor_adagrad`). As in PyTorch, every parameter has state from
 * the start (step 0, sum = initialAccumulatorValue), so the state dict lists
 * parameters that never had a gradient.
 *
 * @example
 * const optimizer = new optim.Adagrad(model.parameters(), { lr: 0.1 });
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: ParamsArg<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...opts });
  }

  private engineConfig(h: AdagradOptions): AdagradConfig {
    checkNumbers('Adagrad', h, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps']);
    checkBools('Adagrad', h, ['maximize']);
    return {
      lr: h.lr, lrDecay: h.lrDecay, weightDecay: h.weightDecay,
      initialAccumulatorValue: h.initialAccumulatorValue, eps: h.eps, maximize: h.maximize,
    };
  }

  protected createEngine(params: Parameter[], h: AdagradOptions): NativeOptimizer {
    return native.NativeOptimizer.adagrad(params.map((p) => p._n), this.engineConfig(h));
  }

  protected configureEngine(engine: NativeOptimizer, h: AdagradOptions): void {
    engine.configureAdagrad(this.engineConfig(h));
  }

  protected paramState(engine: NativeOptimizer, i: number): ParamState | null {
    const s = engine.adagradState(i);
    return s ? { step: s.step, sum: new Tensor(s.sum) } : null;
  }

  protected setParamState(engine: NativeOptimizer, i: number, s: ParamState): void {
    engine.setAdagradState(i, stateNumber('Adagrad', s, 'step'), stateTensor('Adagrad', s, 'sum')._n);
  }
}
