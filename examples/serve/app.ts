// The HTTP surface: POST /predict, GET /health, GET /metrics, on Fastify.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { MicroBatcher, type BatchingOptions } from './batcher';
import type { Predictor } from './predictor';

export interface AppOptions {
  /** Largest request body in bytes; a larger one gets 413. @default 1 MiB */
  bodyLimit?: number;
  /** Most rows in one request. @default 4096 */
  maxRowsPerRequest?: number;
  batching?: BatchingOptions;
}

export interface PredictBody {
  inputs: number[][];
}

/** One line, whatever the error said. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * A float32 as a JSON number: widened to a double it prints as the shortest
 * double, which reads back to the same float32 (-0 keeps its sign).
 * Infinity and NaN, which JSON lacks, become null, as JSON.stringify writes them.
 */
function jsonNumber(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  return v === 0 && 1 / v < 0 ? '-0' : String(v);
}

function writeResponse(logits: Float32Array, rows: number, classes: number): string {
  let out = '{"logits":[';
  let predicted = '';
  for (let r = 0; r < rows; r++) {
    if (r > 0) {
      out += ',';
      predicted += ',';
    }
    out += '[';
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const v = logits[r * classes + c]!;
      if (c > 0) out += ',';
      out += jsonNumber(v);
      // torch.argmax's rule: the first index of the largest value, where NaN is the largest.
      const b = logits[r * classes + best]!;
      if (!Number.isNaN(b) && (v > b || Number.isNaN(v))) best = c;
    }
    out += ']';
    predicted += String(best);
  }
  return `${out}],"classes":[${predicted}]}`;
}

export function buildApp(predictor: Predictor, opts: AppOptions = {}): { app: FastifyInstance; batcher: MicroBatcher } {
  const features = predictor.inFeatures;
  const maxRows = opts.maxRowsPerRequest ?? 4096;
  const batcher = new MicroBatcher(predictor, opts.batching);
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Only JSON numbers are numbers: no "1" → 1 coercion, no silently dropped keys.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // JSON only: a text/plain body gets 415 instead of reaching the schema as a string.
  app.removeContentTypeParser('text/plain');

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Stop accepting, let the running requests finish (their batches included), then close.
  app.addHook('onClose', async () => {
    await batcher.drain();
  });
  // In-flight answers finish after close() starts: tell keep-alive clients to go.
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    let message = err.message;
    if (err.validation) message = `invalid request: ${err.validationContext ?? 'body'}${err.validation[0]?.instancePath ?? ''} ${err.validation[0]?.message ?? 'is invalid'}`;
    else if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) message = `invalid JSON: ${err.message}`;
    else if (status === 413) message = `request body is larger than ${app.initialConfig.bodyLimit} bytes`;
    else if (status >= 500) message = `internal error: ${err.message}`;
    void reply.code(status).send({ error: oneLine(message) });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  app.get('/health', async () => ({ status: 'ok', model: predictor.description, inFeatures: features }));

  app.get('/metrics', async () => ({ ...batcher.stats, maxBatchRows: batcher.maxBatchRows, maxWaitMs: batcher.maxWaitMs, maxInflight: batcher.maxInflight }));

  app.post<{ Body: PredictBody }>('/predict', {
    schema: {
      body: {
        type: 'object',
        required: ['inputs'],
        additionalProperties: false,
        properties: {
          inputs: {
            type: 'array',
            minItems: 1,
            maxItems: maxRows,
            items: { type: 'array', minItems: features, maxItems: features, items: { type: 'number' } },
          },
        },
      },
    },
  }, async (req, reply) => {
    const inputs = req.body.inputs;
    const n = inputs.length;
    const rows = new Float32Array(n * features);
    for (let r = 0; r < n; r++) {
      const row = inputs[r]!;
      for (let c = 0; c < features; c++) {
        const v = Math.fround(row[c]!);
        // JSON has no NaN/Infinity, but 1e999 parses to Infinity, and 1e39 overflows float32.
        if (!Number.isFinite(v)) return reply.code(400).send({ error: `invalid request: body/inputs/${r}/${c} is ${row[c]}, not a finite float32 number` });
        rows[r * features + c] = v;
      }
    }
    const result = await batcher.submit(rows, n);
    void reply
      .header('x-batch-rows', String(result.batchRows))
      .header('x-batch-requests', String(result.batchRequests))
      .header('x-batch-id', String(result.batchId))
      .header('x-batch-offset', String(result.offset))
      .type('application/json; charset=utf-8');
    return writeResponse(result.logits, n, result.classes);
  });

  return { app, batcher };
}
