/**
 * A one-line progress bar on stderr, only when stderr is a terminal (pipes and CI logs stay clean).
 */
export interface ProgressReporter {
  update: (done: number, total: number) => void;
  done: () => void;
}

export function progressReporter(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  const enabled = stream.isTTY === true && total > 0;
  const started = performance.now();
  let lastDraw = 0;
  let drawn = false;
  const width = 30;
  return {
    update(done: number, of: number): void {
      if (!enabled) return;
      const now = performance.now();
      if (now - lastDraw < 100 && done < of) return;
      lastDraw = now;
      const fraction = of > 0 ? Math.min(1, done / of) : 1;
      const filled = Math.round(fraction * width);
      const rate = done / Math.max(0.001, (now - started) / 1000);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${of} ${(rate / 1e6).toFixed(2)} M/s`,
      );
      drawn = true;
    },
    done(): void {
      if (drawn) stream.write('\n');
    },
  };
}
