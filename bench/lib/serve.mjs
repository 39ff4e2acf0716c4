// Worker side of the bench protocol (bench/lib/workers.mjs is the parent):
// one command per stdin line, handled in order; one `@@RESULT {json}` line per
// command; `quit` or the end of stdin exits once the queue is drained.
import readline from 'node:readline';

export function serveCommands(handle) {
  const rl = readline.createInterface({ input: process.stdin });
  const queue = [];
  let busy = false;
  let closed = false;
  async function drain() {
    if (busy) return;
    busy = true;
    while (queue.length) {
      const words = queue.shift();
      if (words[0] === 'quit') process.exit(0);
      let reply;
      try {
        reply = await handle(words);
      } catch (err) {
        reply = { error: String(err?.message ?? err), trace: err?.stack };
      }
      process.stdout.write(`@@RESULT ${JSON.stringify(reply)}\n`);
    }
    busy = false;
    if (closed) process.exit(0);
  }
  rl.on('line', (line) => {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length) {
      queue.push(words);
      void drain();
    }
  });
  rl.on('close', () => {
    closed = true;
    if (!busy && !queue.length) process.exit(0);
  });
}
