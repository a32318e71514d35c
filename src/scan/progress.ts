/**
 * A progress line for long scans: bar, count, throughput and ETA, redrawn in place on a
 * terminal (at most ten times a second) and silent otherwise, so pipes and logs stay clean.
 */
export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  /** Draw even when the stream is not a terminal (a user asked for it). */
  always = false,
): { update: (done: number, total: number) => void; finish: () => void } {
  const on = always || Boolean(stream.isTTY);
  const t0 = Date.now();
  let last = 0;
  let drawn = false;
  const draw = (done: number, total: number) => {
    const s = (Date.now() - t0) / 1000;
    const rate = s > 0 ? done / s : 0;
    const eta = rate > 0 ? (total - done) / rate : NaN;
    const w = 24;
    const fill = total > 0 ? Math.round((w * done) / total) : w;
    const line = `${label} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${Math.round(rate).toLocaleString('en-US')}/s ETA ${Number.isFinite(eta) ? `${eta.toFixed(1)} s` : '–'}`;
    stream.write(`\r${line}\x1b[K`);
    drawn = true;
  };
  return {
    update(done, total) {
      if (!on) return;
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      draw(done, total);
    },
    finish() {
      if (on && drawn) stream.write('\n');
    },
  };
}
