/**
 * Mean-field inference of the guidance CRF over a band of rows (docs/method.md §2):
 *   Q⁰ = softmax(U);  repeat T times: M = GF(I, Q), S = U + w·μ·M, Q = softmax(S).
 * The same code runs on one thread (one band = the image) or on several threads
 * sharing the buffers, with a barrier wherever a phase reads other bands' rows.
 */
import type { Guide } from './guide';
import type { CrfSettings } from './settings';
import { GuidedFilterWorkspace } from './gf_kernel';
import { FastGuidedFilterWorkspace, type FastGuidedFilterBuffers } from './fast_guided_filter';
import { expNonPositive } from './fast_exp';

// A local binding: some module loaders turn imported names into getter calls, too slow per value.
const exp = expNonPositive;

/** Maps shared by all bands (HWL, class fastest). */
export interface MeanFieldBuffers {
  unary: Float32Array;
  /** Ping-pong Q buffers; after the run `q[T % 2]` holds the final scores S. */
  q: [Float32Array, Float32Array];
  /** Final labels, H·W. */
  labels: Uint8Array;
  /** Fast guided filter exchange buffers (subsample > 1 only). */
  fast: FastGuidedFilterBuffers | null;
}

/** Rows of one band: full-resolution `[y0, y1)` and, in fast mode, low-grid `[ly0, ly1)`. */
export interface Band {
  y0: number;
  y1: number;
  ly0: number;
  ly1: number;
}

/** Splits H rows (and the low grid's rows) into `n` near-equal bands. */
export function splitBands(guide: Guide, n: number): Band[] {
  const low = splitRows(guide.low ? guide.low.height : 0, n);
  return splitRows(guide.height, n).map((b, i) => ({ ...b, ly0: low[i].y0, ly1: low[i].y1 }));
}

/** Rows [0, H) split into `n` near-equal bands, in row order. */
export function splitRows(H: number, n: number): Array<{ y0: number; y1: number }> {
  return Array.from({ length: n }, (_, i) => ({ y0: Math.round((i * H) / n), y1: Math.round(((i + 1) * H) / n) }));
}

/** One thread's mean-field worker: scratch plus the per-phase row functions. */
export class MeanFieldEngine {
  private readonly L: number;
  private readonly W: number;
  private readonly exact: GuidedFilterWorkspace | null;
  private readonly fast: FastGuidedFilterWorkspace | null;
  private readonly scores: Float64Array;
  /** Classes actually filtered: all but the last, whose message is 1 − Σ of the others. */
  private readonly filtered: number;
  private readonly message: Float64Array;
  private readonly wPair: number;
  private readonly wLambda: number;
  private readonly logPresence: Float64Array;
  private target: Float32Array;
  private last = false;
  private readonly sink: (y: number, x0: number, x1: number, m: Float64Array) => void;

  constructor(
    readonly guide: Guide,
    L: number,
    readonly buffers: MeanFieldBuffers,
    readonly settings: CrfSettings,
    logPresence: ArrayLike<number> | null,
  ) {
    this.L = L;
    this.W = guide.width;
    // Σ_l Q_l = 1 and the filter is linear and keeps constants, so Σ_l M_l = 1:
    // the last class's message costs no filtering (its error is the float32
    // rounding of ΣQ, a few 1e-7).
    this.filtered = L > 1 ? L - 1 : 1;
    if (guide.subsample === 1) {
      this.exact = new GuidedFilterWorkspace(guide, this.filtered, undefined, L);
      this.fast = null;
    } else {
      this.exact = null;
      this.fast = new FastGuidedFilterWorkspace(guide, this.filtered, buffers.fast ?? undefined, L);
    }
    this.scores = new Float64Array(L);
    this.message = new Float64Array(L);
    this.wPair = settings.w;
    this.wLambda = logPresence === null ? 0 : settings.w * settings.lambda;
    this.logPresence = logPresence === null ? new Float64Array(L) : Float64Array.from(logPresence);
    this.target = buffers.q[1];
    this.sink = (y, x0, x1, m) => this.updateSegment(y, x0, x1, m);
  }

  /** Q⁰ = softmax(U) for rows `[y0, y1)` (or S = U when T = 0). */
  initRows(y0: number, y1: number): void {
    const n0 = y0 * this.W * this.L;
    const n1 = y1 * this.W * this.L;
    const { unary, q } = this.buffers;
    if (this.settings.T === 0) {
      q[0].set(unary.subarray(n0, n1), n0);
      return;
    }
    const L = this.L;
    const s = this.scores;
    for (let o = n0; o < n1; o += L) {
      for (let l = 0; l < L; l++) s[l] = unary[o + l];
      softmaxInto(s, L, q[0], o);
    }
  }

  /** Exact iteration t for rows `[y0, y1)`: reads all of q[t % 2], writes its rows of the other buffer. */
  exactIteration(t: number, y0: number, y1: number): void {
    this.beginIteration(t);
    this.exact!.filterRows(this.buffers.q[t % 2], y0, y1, this.sink);
  }

  /** Fast iteration t, phase 1 (low-grid rows). */
  fastDownsample(t: number, ly0: number, ly1: number): void {
    this.fast!.downsampleRows(this.buffers.q[t % 2], ly0, ly1);
  }

  /** Fast iteration, phase 2 (low-grid rows; needs all of phase 1). */
  fastCoefficients(ly0: number, ly1: number): void {
    this.fast!.coefficientRows(ly0, ly1);
  }

  /** Fast iteration t, phase 3 (full-resolution rows; needs all of phase 2). */
  fastUpsample(t: number, y0: number, y1: number): void {
    this.beginIteration(t);
    this.fast!.upsampleRows(y0, y1, this.sink);
  }

  /** Labels = argmax of the final scores for rows `[y0, y1)`. */
  labelRows(y0: number, y1: number): void {
    const L = this.L;
    const S = this.buffers.q[this.settings.T % 2];
    const labels = this.buffers.labels;
    for (let i = y0 * this.W; i < y1 * this.W; i++) {
      const o = i * L;
      let best = 0;
      let bestV = S[o];
      for (let l = 1; l < L; l++) {
        if (S[o + l] > bestV) {
          bestV = S[o + l];
          best = l;
        }
      }
      labels[i] = best;
    }
  }

  private beginIteration(t: number): void {
    this.target = this.buffers.q[(t + 1) % 2];
    this.last = t === this.settings.T - 1;
  }

  /** S = U + w·(M + λ(ĝ ΣM + ĝᵀM)) on row y, columns [x0, x1), then Q = softmax(S) (or S on the last iteration). */
  private updateSegment(y: number, x0: number, x1: number, m: Float64Array): void {
    const L = this.L;
    const U = this.buffers.unary;
    const dst = this.target;
    const g = this.logPresence;
    const w = this.wPair;
    const wl = this.wLambda;
    const s = this.scores;
    const F = this.filtered;
    const msg = this.message;
    let o = (y * this.W + x0) * L;
    for (let x = x0, k = 0; x < x1; x++, o += L, k += F) {
      let rest = 1;
      for (let l = 0; l < F; l++) {
        msg[l] = m[k + l];
        rest -= m[k + l];
      }
      if (F < L) msg[L - 1] = rest;
      let sumM = 0;
      let sumGM = 0;
      if (wl !== 0) {
        for (let l = 0; l < L; l++) {
          sumM += msg[l];
          sumGM += g[l] * msg[l];
        }
      }
      for (let l = 0; l < L; l++) s[l] = U[o + l] + w * msg[l] + wl * (g[l] * sumM + sumGM);
      if (this.last) {
        for (let l = 0; l < L; l++) dst[o + l] = s[l];
      } else {
        softmaxInto(s, L, dst, o);
      }
    }
  }
}

/** dst[o..o+L) = softmax(s[0..L)). */
function softmaxInto(s: Float64Array, L: number, dst: Float32Array, o: number): void {
  let max = s[0];
  for (let l = 1; l < L; l++) if (s[l] > max) max = s[l];
  let sum = 0;
  for (let l = 0; l < L; l++) {
    const e = exp(s[l] - max);
    s[l] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let l = 0; l < L; l++) dst[o + l] = s[l] * inv;
}

/**
 * Runs the whole mean-field schedule for one band; `barrier` must return once
 * every band has reached it (a no-op for a single band).
 */
export function runMeanFieldBand(engine: MeanFieldEngine, band: Band, barrier: () => void): void {
  const { T } = engine.settings;
  engine.initRows(band.y0, band.y1);
  barrier();
  for (let t = 0; t < T; t++) {
    if (engine.guide.subsample === 1) {
      engine.exactIteration(t, band.y0, band.y1);
    } else {
      engine.fastDownsample(t, band.ly0, band.ly1);
      barrier();
      engine.fastCoefficients(band.ly0, band.ly1);
      barrier();
      engine.fastUpsample(t, band.y0, band.y1);
    }
    barrier();
  }
  engine.labelRows(band.y0, band.y1);
}
