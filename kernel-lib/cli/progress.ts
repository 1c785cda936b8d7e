import * as cliProgress from 'cli-progress';

/**
 * Creates a terminal progress bar with an ETA. On a non-TTY (a log file) it prints a line
 * every 5% or 60 s instead.
 */
export function createProgressBar(label: string, total: number, unit: string) {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} ${unit} | ETA {eta_formatted} | {status}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    // Started at the first update, so a resumed run's ETA counts only this run's progress.
    let running = false;
    return {
      update: (value: number, status: string) => {
        if (!running) {
          bar.start(total, Math.max(0, value - 1), { status });
          running = true;
        }
        bar.update(value, { status });
      },
      stop: () => {
        if (running) bar.stop();
      },
    };
  }
  // A resumed run starts partway: the ETA uses only the progress made since this bar was created.
  const started = Date.now();
  let startValue: number | null = null;
  let lastPercent = -1;
  let lastTime = 0;
  return {
    update: (value: number, status: string) => {
      const percent = Math.floor((100 * value) / total);
      const now = Date.now();
      if (startValue === null) startValue = value - 1;
      if (percent >= lastPercent + 5 || now - lastTime >= 60_000 || value === total) {
        lastPercent = percent;
        lastTime = now;
        const elapsed = (Date.now() - started) / 1000;
        const done = value - startValue;
        const eta = done > 0 ? (elapsed / done) * (total - value) : NaN;
        process.stderr.write(`${label} ${value}/${total} ${unit} (${percent}%) | ETA ${Number.isFinite(eta) ? Math.round(eta) + ' s' : '?'} | ${status}\n`);
      }
    },
    stop: () => undefined,
  };
}
