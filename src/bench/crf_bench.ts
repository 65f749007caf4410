/**
 * Benchmark of the docs/benchmarks.md `crf` workload: guidance CRF on a synthetic
 * 360x480 image with L = 11, T = 5, r = 4, single- and multi-threaded, exact
 * and fast guided filter. Median of several runs after warm-up runs.
 */
import { GuidanceCrfPool } from '../crf/crf_pool';
import type { CrfInput, CrfKernelChoice } from '../crf/crf_input';
import { runGuidanceCrf } from '../crf/guidance_crf';
import { boxFilter } from '../crf/box_filter';
import { prepareGuide } from '../crf/guided_filter';
import type { Guide } from '../crf/guide';
import { Rng } from '../util/rng';
import { timeRuns } from '../util/timing';

/** Benchmark options (defaults = docs/benchmarks.md `crf`). */
export interface CrfBenchOptions {
  height?: number;
  width?: number;
  numClasses?: number;
  T?: number;
  r?: number;
  eps?: number;
  /** Timed runs per row (median reported); at least 5. */
  runs?: number;
  /** Untimed runs before each row (default 3: V8 needs a few calls to optimize the per-image code). */
  warmup?: number;
  /** Thread counts to time (1 = plain single-thread code path). */
  threads?: number[];
  /** Guided-filter subsampling factors to time (1 = exact). */
  subsamples?: number[];
  /** Kernels to time on the exact filter (default wasm and js; the fast filter always runs on js). */
  kernels?: Exclude<CrfKernelChoice, 'auto'>[];
  /** Also time the straightforward per-class implementation (comparison point; default true). */
  straightforward?: boolean;
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

/**
 * Straightforward mean-field (comparison point only): per class, whole-image
 * box filters of p, I·p, then of a, b (docs/method.md §2 formulas as written),
 * Potts compatibility, Math.exp softmax. Returns the final scores.
 */
export function straightforwardGuidanceCrf(guide: Guide, unary: Float32Array, L: number, w: number, T: number): Float32Array {
  const { height: H, width: W, radius: r, image, mean, invCov } = guide;
  const n = H * W;
  const S = Float32Array.from(unary);
  const Q = new Float32Array(n * L);
  const softmax = () => {
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let l = 0; l < L; l++) m = Math.max(m, S[i * L + l]);
      let z = 0;
      for (let l = 0; l < L; l++) z += Math.exp(S[i * L + l] - m);
      for (let l = 0; l < L; l++) Q[i * L + l] = Math.exp(S[i * L + l] - m) / z;
    }
  };
  const p4 = new Float32Array(n * 4);
  const ab = new Float32Array(n * 4);
  softmax();
  for (let t = 0; t < T; t++) {
    for (let l = 0; l < L; l++) {
      for (let i = 0; i < n; i++) {
        const p = Q[i * L + l];
        p4[4 * i] = p;
        p4[4 * i + 1] = image[3 * i] * p;
        p4[4 * i + 2] = image[3 * i + 1] * p;
        p4[4 * i + 3] = image[3 * i + 2] * p;
      }
      const m = boxFilter(p4, H, W, 4, r);
      for (let i = 0; i < n; i++) {
        const mp = m[4 * i];
        const cr = m[4 * i + 1] - mean[3 * i] * mp;
        const cg = m[4 * i + 2] - mean[3 * i + 1] * mp;
        const cb = m[4 * i + 3] - mean[3 * i + 2] * mp;
        const o = 6 * i;
        const ar = invCov[o] * cr + invCov[o + 1] * cg + invCov[o + 2] * cb;
        const ag = invCov[o + 1] * cr + invCov[o + 3] * cg + invCov[o + 4] * cb;
        const ab_ = invCov[o + 2] * cr + invCov[o + 4] * cg + invCov[o + 5] * cb;
        ab[4 * i] = ar;
        ab[4 * i + 1] = ag;
        ab[4 * i + 2] = ab_;
        ab[4 * i + 3] = mp - ar * mean[3 * i] - ag * mean[3 * i + 1] - ab_ * mean[3 * i + 2];
      }
      const mab = boxFilter(ab, H, W, 4, r);
      for (let i = 0; i < n; i++) {
        const q = mab[4 * i] * image[3 * i] + mab[4 * i + 1] * image[3 * i + 1] + mab[4 * i + 2] * image[3 * i + 2] + mab[4 * i + 3];
        S[i * L + l] = unary[i * L + l] + w * q;
      }
    }
    if (t < T - 1) softmax();
  }
  return S;
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
  const warmup = opts.warmup ?? 3;
  const input = syntheticCrfInput(H, W, L, opts.seed ?? 1);
  const rows: CrfBenchRow[] = [];
  const g = await timeRuns(runs, warmup, () => prepareGuide(input.image, H, W, r, eps));
  rows.push({ name: `prepareGuide r=${r} (exact)`, medianMs: g.wallMs, msPerIteration: NaN, medianCpuMs: g.cpuMs });
  if (opts.straightforward ?? true) {
    const guide = prepareGuide(input.image, H, W, r, eps);
    const t = await timeRuns(runs, warmup, () => straightforwardGuidanceCrf(guide, input.unary, L, 5, T));
    rows.push({ name: `straightforward CRF T=${T} (comparison, guide given), 1 thread`, medianMs: t.wallMs, msPerIteration: t.wallMs / T, medianCpuMs: t.cpuMs });
  }
  for (const threads of opts.threads ?? [1, 2]) {
    const pool = threads > 1 ? await GuidanceCrfPool.create(threads) : null;
    try {
      for (const subsample of opts.subsamples ?? [1, 2, 4]) {
        for (const kernel of subsample === 1 ? (opts.kernels ?? ['wasm', 'js']) : (['js'] as const)) {
          const settings = { T, r, eps, subsample, w: 5, lambda: 0 };
          const run = (inp: CrfInput) => (pool ? pool.run(inp, settings, { kernel }) : runGuidanceCrf(inp, settings, { kernel }));
          const total = await timeRuns(runs, warmup, () => run(input));
          const guide = prepareGuide(input.image, H, W, r, eps, { subsample, shared: pool !== null });
          const iter = await timeRuns(runs, warmup, () => run({ ...input, guide }));
          const mode = subsample === 1 ? 'exact GF' : `fast GF s=${subsample}`;
          rows.push({
            name: `guidance CRF T=${T}, ${mode}, ${kernel} kernel, ${threads} thread${threads > 1 ? 's' : ''}`,
            medianMs: total.wallMs,
            msPerIteration: iter.wallMs / T,
            medianCpuMs: total.cpuMs,
          });
        }
      }
    } finally {
      await pool?.close();
    }
  }
  return rows;
}
