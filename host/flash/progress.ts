// Upload progress on stderr: a bar redrawn in place on a terminal, plain
// percentage lines (every 10 %) when stderr is a file or a pipe.
export interface ProgressOut {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export function progressReporter(out: ProgressOut = process.stderr, label = 'uploading'): (done: number, total: number) => void {
  let lastPct = -1;
  return (done, total) => {
    const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
    if (out.isTTY) {
      if (pct === lastPct) return;
      lastPct = pct;
      const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 40));
      const fill = Math.round((width * pct) / 100);
      out.write(`\r${label} [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${String(pct).padStart(3)}% ${done}/${total} bytes`);
      if (done >= total) out.write('\n');
      return;
    }
    const step = Math.floor(pct / 10) * 10;
    if (step === lastPct && done < total) return;
    if (done >= total && lastPct === 100) return;
    lastPct = done >= total ? 100 : step;
    out.write(`${label}: ${done >= total ? 100 : step}% (${done}/${total} bytes)\n`);
  };
}
