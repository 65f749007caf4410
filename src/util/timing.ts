/** Timing helpers for benchmarks: median wall time of repeated runs after a warm-up. */

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall and CPU milliseconds (median) of `runs` calls of `f` after `warmup` untimed calls. */
export interface Timing {
  wallMs: number;
  cpuMs: number;
  samplesMs: number[];
}

/** Wall and CPU milliseconds (CPU of every thread of the process) of one call of `f`. */
export async function timeCall(f: () => unknown): Promise<{ wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 };
}

/** Times a synchronous or asynchronous function. */
export async function timeRuns(runs: number, warmup: number, f: () => unknown): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = await timeCall(f);
    wall.push(t.wallMs);
    cpu.push(t.cpuMs);
  }
  return { wallMs: median(wall), cpuMs: median(cpu), samplesMs: wall };
}
