// A worker_threads script (bundled with the sources by test/helpers/bundle.mjs):
// loads torchts in its own thread and answers the main thread's requests.
import { parentPort, threadId } from 'node:worker_threads';
import * as torch from '../../ts/index';
import { train, type TrainSpec } from './circles-train';

interface Request {
  id: number;
  kind: 'train' | 'errors' | 'fitAsyncForever' | 'abortFit';
  spec?: TrainSpec;
}

/** The running 'fitAsyncForever' fit: its controller and its settled promise. */
let running: { controller: AbortController; settled: Promise<unknown> } | null = null;

/** What a native error looks like from this thread (the error factory is registered per thread). */
function errorShapes() {
  const describe = (fn: () => unknown) => {
    try {
      fn();
      return { threw: false };
    } catch (e) {
      const err = e as Error & { code?: string };
      return { threw: true, isTorchError: e instanceof torch.TorchError, name: err.name, code: err.code, message: err.message };
    }
  };
  return {
    // libtorch's own check (C++ exception → TORCH_ERROR)
    libtorch: describe(() => torch.ones(2, 3).matmul(torch.ones(2, 3))),
    // a check in the Rust binding (INVALID_ARGUMENT)
    binding: describe(() => torch.ones(2, 3).item()),
    // the engine's label check
    labels: describe(() => new torch.nn.CrossEntropyLoss().forward(torch.zeros(2, 2), torch.tensor([0, 5], { dtype: torch.long }))),
  };
}

parentPort!.on('message', async (req: Request) => {
  try {
    if (req.kind === 'train') {
      parentPort!.postMessage({ id: req.id, threadId, result: await train(torch, req.spec!) });
    } else if (req.kind === 'errors') {
      parentPort!.postMessage({ id: req.id, threadId, result: errorShapes() });
    } else if (req.kind === 'abortFit') {
      running!.controller.abort();
      await running!.settled;
      parentPort!.postMessage({ id: req.id, threadId, result: 'aborted' });
    } else {
      // A long background fit, to be cut short by worker.terminate().
      const { nn, optim } = torch;
      const model = new nn.Sequential(new nn.Linear(2, 64), new nn.ReLU(), new nn.Linear(64, 2));
      const { X, y } = torch.makeCircles(20_000, { noise: 0.03, randomState: 1 });
      let epochs = 0;
      const controller = new AbortController();
      const settled = torch
        .fitAsync(model, {
          optimizer: new optim.Adam(model.parameters()),
          criterion: new nn.CrossEntropyLoss(),
          xTrain: torch.tensor(X),
          yTrain: torch.tensor(y, { dtype: torch.long }),
          epochs: 1_000_000,
          batchSize: 64,
          signal: controller.signal,
          onEpoch: () => {
            if (++epochs === 1) parentPort!.postMessage({ id: req.id, threadId, result: 'running' });
          },
        })
        .catch(() => undefined);
      running = { controller, settled };
    }
  } catch (e) {
    parentPort!.postMessage({ id: req.id, threadId, error: String((e as Error)?.stack ?? e) });
  }
});
