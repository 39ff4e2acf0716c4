// Background tasks on napi's thread pool (fitAsync, forwardAsync) and their
// stop handles. process.exit() joins the thread pool, so a running task would
// hold the exit until it finished; on 'exit' every running task is told to
// stop at its next step. (worker.terminate() cannot be hooked the same way:
// Node waits for thread-pool work before any cleanup hook runs; abort first.)
import { native } from './native';

export type CancelHandle = InstanceType<typeof native.CancelHandle>;

const running = new Set<CancelHandle>();
let exitHookInstalled = false;

/** A stop handle for a new background task, cancelled by `signal` and at process exit; call `done()` when it settles. */
export function startBackgroundTask(signal?: AbortSignal): { handle: CancelHandle; done: () => void } {
  const handle = new native.CancelHandle();
  running.add(handle);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const h of running) h.cancel();
    });
  }
  const onAbort = () => handle.cancel();
  signal?.addEventListener('abort', onAbort);
  return {
    handle,
    done: () => {
      running.delete(handle);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
