/**
 * Benchmark of the BENCH.md `crf` workload: guidance CRF on a synthetic
 * 360x480 image with L = 11, T = 5, r = 4, single- and multi-threaded, exact
 * and fast guided filter. Median of several runs after a warm-up.
 */
import { GuidanceCrfPool } from './crf_pool';
import { runGuidanceCrf, type CrfInput } from './guidance_crf';
import { prepareGuide } from './guided_filter';
import { Rng } from '../util/rng';

/** Benchmark options (defaults = BENCH.md `crf`). */
export interface CrfBenchOptions {
  height?: number;
  width?: number;
  numClasses?: number;
  T?: number;
  r?: number;
  eps?: number;
  /** Timed runs per row (median reported); at least 5. */
  runs?: number;
  warmup?: number;
  /** Thread counts to time (1 = plain single-thread code path). */
  threads?: number[];
  /** Guided-filter subsampling factors to time (1 = exact). */
  subsamples?: number[];
  seed?: number;
}

/** One benchmark row. */
export interface CrfBenchRow {
  name: string;
  /** Median wall time of one image: guide preparation + T mean-field iterations. */
  medianMs: number;
  /** Median wall time of the T iterations alone (guide prepared beforehand), divided by T. */
  msPerIteration: number;
  /**
   * Median CPU time (all threads of the process, user + system) of one image;
   * less disturbed than wall time when other processes share the cores.
   */
  medianCpuMs: number;
}

/** Synthetic image (coloured rectangles plus noise) and random unary, fixed by the seed. */
export function syntheticCrfInput(H: number, W: number, L: number, seed: number): CrfInput {
  const rng = new Rng(seed);
  const image = new Uint8Array(H * W * 3);
  for (let k = 0; k < 40; k++) {
    const y0 = rng.int(H), x0 = rng.int(W);
    const y1 = Math.min(H, y0 + 20 + rng.int(H / 2)), x1 = Math.min(W, x0 + 20 + rng.int(W / 2));
    const colour = [rng.int(256), rng.int(256), rng.int(256)];
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) image.set(colour, (y * W + x) * 3);
  }
  for (let i = 0; i < image.length; i++) image[i] = Math.max(0, Math.min(255, image[i] + Math.round(8 * rng.normal())));
  const unary = new Float32Array(H * W * L);
  for (let i = 0; i < unary.length; i++) unary[i] = 2 * rng.normal();
  return { image, unary, height: H, width: W, numClasses: L };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall and CPU milliseconds of `runs` calls after `warmup` untimed ones. */
function timeIt(runs: number, warmup: number, f: () => void): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Times every (threads, subsample) combination plus the guide preparation. */
export async function benchCrf(opts: CrfBenchOptions = {}): Promise<CrfBenchRow[]> {
  const H = opts.height ?? 360;
  const W = opts.width ?? 480;
  const L = opts.numClasses ?? 11;
  const T = opts.T ?? 5;
  const r = opts.r ?? 4;
  const eps = opts.eps ?? 10;
  const runs = Math.max(5, opts.runs ?? 5);
  const warmup = opts.warmup ?? 1;
  const input = syntheticCrfInput(H, W, L, opts.seed ?? 1);
  const rows: CrfBenchRow[] = [];
  const g = timeIt(runs, warmup, () => prepareGuide(input.image, H, W, r, eps));
  rows.push({ name: `prepareGuide r=${r} (exact)`, medianMs: g.wall, msPerIteration: NaN, medianCpuMs: g.cpu });
  for (const threads of opts.threads ?? [1, 2]) {
    const pool = threads > 1 ? await GuidanceCrfPool.create(threads) : null;
    try {
      for (const subsample of opts.subsamples ?? [1, 2, 4]) {
        const settings = { T, r, eps, subsample, w: 5, lambda: 0 };
        const run = (inp: CrfInput) => (pool ? pool.run(inp, settings) : runGuidanceCrf(inp, settings));
        const total = timeIt(runs, warmup, () => run(input));
        const guide = prepareGuide(input.image, H, W, r, eps, { subsample, shared: pool !== null });
        const iter = timeIt(runs, warmup, () => run({ ...input, guide }));
        const mode = subsample === 1 ? 'exact GF' : `fast GF s=${subsample}`;
        rows.push({
          name: `guidance CRF T=${T}, ${mode}, ${threads} thread${threads > 1 ? 's' : ''}`,
          medianMs: total.wall,
          msPerIteration: iter.wall / T,
          medianCpuMs: total.cpu,
        });
      }
    } finally {
      await pool?.close();
    }
  }
  return rows;
}
