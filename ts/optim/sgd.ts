// torch.optim.SGD: momentum, dampening, Nesterov, weight decay.
import { native, type NativeOptimizer, type SgdConfig } from '../native';
import { checkNumberOption, checkOptionalBool } from '../validate';
import { Tensor } from '../tensor';
import type { Parameter } from '../nn/parameter';
import { Optimizer, type ParamsArg } from './optimizer';

export interface SGDOptions {
  /** @default 0.001 */
  lr: number;
  /** @default 0 */
  momentum: number;
  /** @default 0 */
  dampening: number;
  /** @default 0 */
  weightDecay: number;
  /** @default false */
  nesterov: boolean;
  /** @default false */
  maximize: boolean;
}

/**
 * Stochastic gradient descent, with PyTorch's momentum formulation.
 *
 * @example
 * const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsArg<SGDOptions>, opts: Partial<SGDOptions> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...opts });
  }

  /** The engine's config, type-checked; the engine checks the values (SgdConfig::validate, PyTorch's messages). */
  private engineConfig(h: SGDOptions): SgdConfig {
    for (const name of ['lr', 'momentum', 'dampening', 'weightDecay'] as const) checkNumberOption('SGD', name, h[name]);
    checkOptionalBool('SGD', 'nesterov', h.nesterov);
    checkOptionalBool('SGD', 'maximize', h.maximize);
    return { lr: h.lr, momentum: h.momentum, dampening: h.dampening, weightDecay: h.weightDecay, nesterov: h.nesterov, maximize: h.maximize };
  }

  protected createEngine(params: Parameter[], h: SGDOptions): NativeOptimizer {
    return native.NativeOptimizer.sgd(params.map((p) => p._n), this.engineConfig(h));
  }

  protected configureEngine(engine: NativeOptimizer, h: SGDOptions): void {
    engine.configureSgd(this.engineConfig(h));
  }

  protected paramState(engine: NativeOptimizer, i: number): Record<string, Tensor | number> | null {
    const b = engine.momentumBuffer(i);
    return b ? { momentum_buffer: new Tensor(b) } : null;
  }

  protected setParamState(engine: NativeOptimizer, i: number, s: Record<string, Tensor | number>): void {
    const b = s.momentum_buffer;
    if (b instanceof Tensor) engine.setMomentumBuffer(i, b._n);
  }
}
