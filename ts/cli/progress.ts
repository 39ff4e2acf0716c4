// Training progress: a redrawn bar on a terminal, plain lines otherwise.
export interface ProgressSink {
  update(epoch: number, total: number, text: string): void;
  line(text: string): void;
  done(): void;
}

export function progressSink(stream: NodeJS.WriteStream, interactive = Boolean(stream.isTTY)): ProgressSink {
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    update(epoch, total, text) {
      if (!interactive) return;
      const width = 28;
      const filled = Math.round((epoch / total) * width);
      clear();
      stream.write(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${epoch}/${total} ${text}`);
      drawn = true;
    },
    line(text) {
      clear();
      stream.write(`${text}\n`);
    },
    done() {
      clear();
    },
  };
}
