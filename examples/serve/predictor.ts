// What the server runs: anything that maps a [rows, features] float32 batch
// to [rows, classes] logits. Each model source is a few lines here.
import * as torch from 'torchts';
import { circlesMlp, mlpShape } from './model';

export interface Predictor {
  /** One line for /health and the start-up log. */
  readonly description: string;
  /** Values per input row. */
  readonly inFeatures: number;
  /** Logits for a [rows, inFeatures] float32 batch: [rows, classes] float32. */
  predict(batch: torch.Tensor): Promise<torch.Tensor>;
}

/** How `predict` runs a module: 'async' on napi's thread pool (forwardAsync), 'sync' on the event loop (model(x)). */
export type RunMode = 'async' | 'sync';

/** A module of built-in layers, run in eval mode without autograd. */
export function modulePredictor(model: torch.nn.Module, inFeatures: number, description: string, run: RunMode = 'async'): Predictor {
  model.eval();
  const predict = run === 'async'
    ? (batch: torch.Tensor) => torch.noGrad(() => model.forwardAsync(batch))
    : (batch: torch.Tensor) => Promise.resolve(torch.noGrad(() => model.call(batch) as torch.Tensor));
  return { description, inFeatures, predict };
}

/**
 * A state dict saved by `torch.save(model.stateDict(), path)` in torchts or
 * `torch.save(model.state_dict(), path)` in Python, loaded into the circles
 * MLP (an nn.Sequential of Linear/ReLU whose widths are read from the file).
 */
export function stateDictPredictor(path: string, run: RunMode = 'async'): Predictor {
  const loaded: unknown = torch.load(path);
  if (!(loaded instanceof Map)) throw new Error(`${path}: expected a state dict (a dict of tensors), got ${loaded === null ? 'null' : typeof loaded}`);
  const state = loaded as Map<string, torch.Tensor>;
  const { inFeatures, hidden, classes } = mlpShape(state);
  const model = circlesMlp(hidden, inFeatures, classes);
  model.loadStateDict(state);
  const widths = [inFeatures, ...hidden, classes].join('-');
  return modulePredictor(model, inFeatures, `state dict ${path} (${widths} MLP, ${run === 'async' ? 'forwardAsync' : 'sync forward'})`, run);
}

/** The output of a TorchScript forward or a package's run, which must be one logits tensor. */
function oneTensor(source: string, out: unknown): torch.Tensor {
  const t = Array.isArray(out) && out.length === 1 ? out[0] : out;
  if (!(t instanceof torch.Tensor)) throw new Error(`${source} returned ${Array.isArray(out) ? `${out.length} values` : typeof out}, expected one logits tensor`);
  return t;
}

/** A TorchScript module saved by Python's `torch.jit.script(model).save(path)` (or a traced one), run by `forwardAsync` on the thread pool. */
export function torchScriptPredictor(path: string, inFeatures: number): Predictor {
  const module = torch.jit.load(path);
  module.eval();
  return {
    description: `TorchScript ${path} (forwardAsync)`,
    inFeatures,
    predict: async (batch) => oneTensor('the TorchScript forward', await torch.noGrad(() => module.forwardAsync(batch))),
  };
}

/**
 * A `.pt2` that Python's `torch._inductor.aoti_compile_and_package(torch.export.export(...))`
 * wrote (with a dynamic batch dimension), run by `runAsync` on the thread pool.
 * Its compiled library loads libtorch.so by name: the libtorch directory
 * (TORCHTS_LIBTORCH) needs a real libtorch.so (a symlink to libtorch_cpu.so
 * on a CPU-only install), which torch.export.loadPackage's error says.
 */
export function aotiPredictor(path: string, inFeatures: number, runners = 2): Predictor {
  const pkg = torch.export.loadPackage(path, { numRunners: runners });
  return {
    description: `AOTInductor package ${path} (runAsync, ${runners} runners)`,
    inFeatures,
    predict: async (batch) => oneTensor('the package', await pkg.runAsync(batch)),
  };
}

export type ModelFormat = 'state_dict' | 'torchscript' | 'pt2';

export interface PredictorSpec {
  path: string;
  /** @default 'pt2' for a `.pt2` file, else 'state_dict' (a TorchScript `.pt` needs 'torchscript') */
  format?: ModelFormat;
  run?: RunMode;
  /** Values per input row, for TorchScript and .pt2 (a state dict says it itself). @default 2 */
  inFeatures?: number;
}

export function loadPredictor(spec: PredictorSpec): Predictor {
  const format = spec.format ?? (spec.path.endsWith('.pt2') ? 'pt2' : 'state_dict');
  const inFeatures = spec.inFeatures ?? 2;
  if (format !== 'state_dict' && spec.run === 'sync') throw new Error(`--run sync is for state dicts (nn modules); ${format} runs on the thread pool`);
  switch (format) {
    case 'state_dict':
      return stateDictPredictor(spec.path, spec.run);
    case 'torchscript':
      return torchScriptPredictor(spec.path, inFeatures);
    case 'pt2':
      return aotiPredictor(spec.path, inFeatures);
    default:
      throw new Error(`unknown model format '${String(format)}': use state_dict, torchscript or pt2`);
  }
}
