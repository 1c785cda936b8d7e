import * as cliProgress from 'cli-progress';

/** A terminal progress bar with ETA; on a non-TTY (a log file) it prints a line every 5% or 60 s instead. */
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
    bar.start(total, 0, { status: '' });
    return {
      update: (value: number, status: string) => bar.update(value, { status }),
      stop: () => bar.stop(),
    };
  }
  const started = Date.now();
  let lastPercent = -1;
  let lastTime = 0;
  return {
    update: (value: number, status: string) => {
      const percent = Math.floor((100 * value) / total);
      const now = Date.now();
      if (percent >= lastPercent + 5 || now - lastTime >= 60_000 || value === total) {
        lastPercent = percent;
        lastTime = now;
        const elapsed = (Date.now() - started) / 1000;
        const eta = value > 0 ? (elapsed / value) * (total - value) : NaN;
        process.stderr.write(`${label} ${value}/${total} ${unit} (${percent}%) | ETA ${Number.isFinite(eta) ? Math.round(eta) + ' s' : '?'} | ${status}\n`);
      }
    },
    stop: () => undefined,
  };
}
