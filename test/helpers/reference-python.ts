// The reference Python that a few tests run live (PyTorch 2.11 and friends),
// named by one variable, TORCHTS_TEST_PYTHON. Without it, or when it lacks a
// module a test needs, those tests skip, and the reason is in their title and
// in `npm test`'s closing lines (scripts/test-summary.mjs lists skips).
import { spawnSync } from 'node:child_process';

export type ReferencePython = { python: string; skip?: undefined } | { python?: undefined; skip: string };

export function referencePython(modules: string[]): ReferencePython {
  const python = process.env.TORCHTS_TEST_PYTHON;
  if (!python) return { skip: 'TORCHTS_TEST_PYTHON is not set' };
  const probe = [
    'import importlib.util, sys',
    'missing = [m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]',
    'print(" ".join(missing))',
  ].join('\n');
  const run = spawnSync(python, ['-c', probe, ...modules], { encoding: 'utf8', timeout: 60_000 });
  if (run.error) return { skip: `TORCHTS_TEST_PYTHON=${python} does not run (${run.error.message})` };
  if (run.status !== 0) return { skip: `TORCHTS_TEST_PYTHON=${python} exited ${run.status}: ${run.stderr.trim()}` };
  const missing = run.stdout.trim();
  if (missing) return { skip: `TORCHTS_TEST_PYTHON=${python} lacks ${missing.split(' ').join(', ')}` };
  return { python };
}

/** A describe title that carries the skip reason, so a skipped block says why. */
export function titleFor(title: string, ref: ReferencePython): string {
  return ref.skip ? `${title} (skipped: ${ref.skip})` : title;
}
