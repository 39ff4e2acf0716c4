// Serve a circles model over HTTP.
//
//   npx tsx examples/serve/server.ts --model examples/serve/models/circles_py.pt [--port 8080]
//
// Flags (or environment variables):
//   --model PATH          TORCHTS_SERVE_MODEL   the model file
//   --format FORMAT       TORCHTS_SERVE_FORMAT  state_dict (a .pt saved by torchts or Python: the
//                         default), torchscript (torch.jit.script(model).save in Python) or pt2
//                         (AOTInductor; the default for .pt2; needs a libtorch.so, see predictor.ts)
//   --in-features 2       values per row, for torchscript and pt2 (a state dict has them)
//   --run async|sync      TORCHTS_SERVE_RUN     forwardAsync on the thread pool (default) or model(x) on the event loop
//   --host 127.0.0.1 --port 8080 (PORT; 0 picks a free port)
//   --max-batch-rows 4096 --max-wait-ms 2 --max-inflight 2   the micro-batching rule (batcher.ts)
//   --max-rows 4096       rows per request   --body-limit 1048576  bytes per request
//   --threads 1           torch.setNumThreads(N): intra-op threads per forward. One by
//                         default: batches run side by side (--max-inflight) instead,
//                         and tiny ops never wait on a sleeping thread pool; 0 keeps libtorch's default
//
// It prints `listening on http://HOST:PORT` once it accepts requests. On
// SIGTERM or SIGINT it stops accepting, answers what is in flight, and exits 0.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as torch from 'torchts';
import { buildApp, type AppOptions } from './app';
import { loadPredictor, type ModelFormat, type Predictor, type RunMode } from './predictor';

export interface ServeOptions extends AppOptions {
  host?: string;
  port?: number;
  /** Longest wait for in-flight requests after a signal before exiting 1. @default 10000 */
  graceMs?: number;
}

/** Listens, and closes gracefully on SIGTERM/SIGINT. Resolves with the address once listening. */
export async function serve(predictor: Predictor, opts: ServeOptions = {}): Promise<string> {
  const { app } = buildApp(predictor, opts);
  const address = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing (finishing in-flight requests)`);
    const force = setTimeout(() => {
      console.error(`still busy after ${opts.graceMs ?? 10_000} ms; exiting`);
      process.exit(1);
    }, opts.graceMs ?? 10_000);
    force.unref();
    app.close().then(
      () => {
        console.log('closed');
        process.exit(0);
      },
      (err: unknown) => {
        console.error(`close failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  console.log(`serving ${predictor.description}`);
  console.log(`listening on ${address}`);
  return address;
}

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' }, format: { type: 'string' }, run: { type: 'string' },
      host: { type: 'string' }, port: { type: 'string' },
      'max-batch-rows': { type: 'string' }, 'max-wait-ms': { type: 'string' }, 'max-inflight': { type: 'string' },
      'max-rows': { type: 'string' }, 'body-limit': { type: 'string' }, threads: { type: 'string' }, 'in-features': { type: 'string' },
    },
  });
  const env = process.env;
  const model = values.model ?? env.TORCHTS_SERVE_MODEL;
  if (!model) throw new Error('no model: pass --model PATH or set TORCHTS_SERVE_MODEL');
  const run = (values.run ?? env.TORCHTS_SERVE_RUN ?? 'async') as RunMode;
  if (run !== 'async' && run !== 'sync') throw new Error(`--run must be async or sync, got '${String(run)}'`);
  const format = (values.format ?? env.TORCHTS_SERVE_FORMAT) as ModelFormat | undefined;
  if (format !== undefined && !['state_dict', 'torchscript', 'pt2'].includes(format)) throw new Error(`--format must be state_dict, torchscript or pt2, got '${String(format)}'`);
  const threads = intFlag('threads', values.threads ?? env.TORCHTS_SERVE_THREADS) ?? 1;
  if (threads > 0) torch.setNumThreads(threads);
  const predictor = loadPredictor({ path: model, format, run, inFeatures: intFlag('in-features', values['in-features']) });
  const waitMs = values['max-wait-ms'] === undefined ? undefined : Number(values['max-wait-ms']);
  await serve(predictor, {
    host: values.host,
    port: intFlag('port', values.port ?? env.PORT),
    bodyLimit: intFlag('body-limit', values['body-limit']),
    maxRowsPerRequest: intFlag('max-rows', values['max-rows']),
    batching: { maxBatchRows: intFlag('max-batch-rows', values['max-batch-rows']), maxWaitMs: waitMs, maxInflight: intFlag('max-inflight', values['max-inflight']) },
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`serve: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  });
}
