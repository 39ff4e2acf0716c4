// Runs a script in a separate `node` process and reports how it ended, so a
// native abort (SIGABRT, SIGSEGV, SIGFPE, libgomp's exit(1)) or a hang shows
// up as a test failure with the case that caused it, never as a dead test worker.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export interface ChildResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The last line of stdout parsed as JSON, when it is JSON. */
  summary: unknown;
  /** The progress file's content (the case running when the child died), trimmed. */
  progress: string | null;
  ms: number;
}

export interface RunOptions {
  timeoutMs?: number;
  progressFile?: string;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  cwd?: string;
}

/** `node [nodeArgs] script [args]`, resolved when the process ends (never rejects). */
export function runNode(script: string, args: string[] = [], opts: RunOptions = {}): Promise<ChildResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.length > 4_000_000) stdout = stdout.slice(-2_000_000);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : null;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      let summary: unknown = null;
      try {
        summary = JSON.parse(last);
      } catch {
        summary = null;
      }
      let progress: string | null = null;
      if (opts.progressFile && fs.existsSync(opts.progressFile)) progress = fs.readFileSync(opts.progressFile, 'utf8').trim();
      resolve({ code, signal, timedOut, stdout, stderr, summary, progress, ms: Date.now() - started });
    });
  });
}

/** A one-paragraph account of an abnormal end, for assertion messages. */
export function describeEnd(r: ChildResult): string {
  const how = r.timedOut ? 'timed out (killed)' : r.signal ? `killed by ${r.signal}` : `exited with code ${r.code}`;
  const tail = r.stderr.trim().split('\n').slice(-6).join('\n');
  return `child ${how} after ${r.ms} ms${r.progress ? `\nrunning case: ${r.progress}` : ''}${tail ? `\nstderr tail:\n${tail}` : ''}`;
}
