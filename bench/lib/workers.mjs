// A bench worker: a child process that runs one command at a time. The
// driver writes a command line to its stdin; the worker answers with one
// `@@RESULT {json}` line on stdout (other output is kept as a log). The
// driver starts one per sample and closes it before starting the next, so
// only the process being measured is alive (bench/run.mjs, `session`).
import { spawn } from 'node:child_process';

export class Worker {
  /**
   * @param {string} name   system name (row label)
   * @param {string} cmd    executable
   * @param {string[]} args
   * @param {object} [opts] spawn options (cwd, env)
   */
  constructor(name, cmd, args, opts = {}) {
    this.name = name;
    this.log = '';
    this.dead = null;
    this.pending = null;
    this.buffer = '';
    this.child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.on('error', (err) => this.#die(`could not start ${cmd}: ${err.message}`));
    this.child.on('exit', (code, signal) => this.#die(`exited (${signal ?? `code ${code}`})`));
    this.child.stdin.on('error', () => {});
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (s) => this.#keepLog(s));
    this.child.stdout.on('data', (s) => {
      this.buffer += s;
      let nl;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.startsWith('@@RESULT ')) this.#settle(line.slice(9));
        else this.#keepLog(`${line}\n`);
      }
    });
  }

  #keepLog(s) {
    this.log = (this.log + s).slice(-8000);
  }

  #die(reason) {
    if (this.dead) return;
    this.dead = `${reason}${this.log ? `; last output: ${this.log.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
    if (this.pending) {
      const { reject, timer } = this.pending;
      this.pending = null;
      clearTimeout(timer);
      reject(new Error(this.dead));
    }
  }

  #settle(text) {
    if (!this.pending) return;
    const { resolve, reject, timer } = this.pending;
    this.pending = null;
    clearTimeout(timer);
    let value;
    try {
      value = JSON.parse(text);
    } catch {
      reject(new Error(`bad reply: ${text.slice(0, 200)}`));
      return;
    }
    if (value && value.error) reject(new Error(value.error));
    else resolve(value);
  }

  /** Sends one command; resolves with the worker's JSON reply. */
  send(line, timeoutMs = 300_000) {
    if (this.dead) return Promise.reject(new Error(this.dead));
    if (this.pending) return Promise.reject(new Error(`${this.name}: a command is already running`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        this.kill();
        reject(new Error(`timed out after ${timeoutMs / 1000} s on "${line}"`));
      }, timeoutMs);
      this.pending = { resolve, reject, timer };
      this.child.stdin.write(`${line}\n`);
    });
  }

  kill() {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  get exited() {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Asks the worker to quit (SIGKILL after 3 s) and resolves once the process is gone. */
  async close() {
    if (this.exited || this.child.pid === undefined) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    try {
      this.child.stdin.write('quit\n');
    } catch {
      /* already going */
    }
    const timer = setTimeout(() => this.kill(), 3000);
    await gone;
    clearTimeout(timer);
  }
}
