// The onnxruntime-node anchor of `npm run bench:serve`: examples/serve's
// Fastify app (same routes, validation and batcher) with an onnxruntime-node
// session running the ONNX export of the same model in place of torchts.
//
//   node --import tsx bench/serve/ort_server.mjs --model circles_py.onnx [--port 8082] [--max-batch-rows 64]
//
// With --max-batch-rows equal to the rows of one request, every request runs
// alone: a plain onnxruntime service (one session.run per request).
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import * as torch from 'torchts';
import { serve } from '../../examples/serve/server.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' }, port: { type: 'string' },
    'max-batch-rows': { type: 'string' }, 'max-wait-ms': { type: 'string' }, 'max-inflight': { type: 'string' },
  },
});
const session = await ort.InferenceSession.create(values.model);
const [inputName] = session.inputNames;
const [outputName] = session.outputNames;
const predictor = {
  description: `onnxruntime-node ${values.model}`,
  inFeatures: 2,
  async predict(batch) {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', batch.data(), batch.shape) });
    const y = out[outputName];
    return torch.fromTypedArray(y.data, y.dims);
  },
};
const num = (v) => (v === undefined ? undefined : Number(v));
await serve(predictor, {
  port: num(values.port) ?? 8082,
  batching: { maxBatchRows: num(values['max-batch-rows']), maxWaitMs: num(values['max-wait-ms']), maxInflight: num(values['max-inflight']) },
});
