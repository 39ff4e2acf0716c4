// Runs in a worker_thread (test/autograd_function.test.ts): a custom
// Function and a tensor hook whose backward runs in this worker, which has
// its own autograd dispatcher; posts what it computed.
import { parentPort } from 'node:worker_threads';
import * as torch from '../../ts/index';
import type { Tensor } from '../../ts/index';
import { cubeRun } from './autograd-cube';

let message = '';
try {
  class Fails extends torch.autograd.Function {
    static override forward(_ctx: torch.autograd.FunctionCtx, x: Tensor): Tensor {
      return x.mul(2);
    }

    static override backward(): Tensor {
      throw new Error('backward failed in a worker');
    }
  }
  Fails.apply(torch.ones(2, { requiresGrad: true })).sum().backward();
} catch (err) {
  message = (err as Error).message;
}
parentPort!.postMessage({ ...cubeRun(), message });
