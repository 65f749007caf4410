/**
 * Streaming kernel of the exact guided filter. For every channel c of p it runs
 * the two box passes of docs/method.md §2 row by row:
 *   pass 1: box of [p, I_r p, I_g p, I_b p] → a = (Σ+εI)⁻¹ cov(I, p), b = mean_p − aᵀμ
 *   pass 2: box of [a, b] → q = mean_aᵀ I + mean_b
 * The image is processed in vertical strips (with a 2r-column halo) and, within
 * a strip, row by row with the pass-1 rows in a ring of 2r+2 rows, so the
 * working set stays in the core's cache whatever the image size.
 */
import type { Guide } from './guide';

/**
 * Receives finished output values of row y, columns `[x0, x1)`:
 * (x1 − x0)·C values in HWC order. The buffer is reused.
 */
export type SegmentSink = (y: number, x0: number, x1: number, segment: Float64Array) => void;

/** Default strip width (output columns per strip): bounds the scratch (about 1 MB at L = 11, r = 4) on wide images. */
export const DEFAULT_STRIP_WIDTH = 256;

/** Reusable scratch for filtering C-channel maps with one guide. Not thread-safe: one per thread. */
export class GuidedFilterWorkspace {
  readonly guide: Guide;
  readonly channels: number;
  readonly stripWidth: number;
  /** Values per pixel in the input maps (≥ channels; the first `channels` are filtered). */
  readonly stride: number;
  private readonly colSum1: Float64Array;
  private readonly colSum2: Float64Array;
  private readonly ring: Float64Array;
  private readonly ringRows: number;
  private readonly acc: Float64Array;
  private readonly segment: Float64Array;
  /** Current strip: output [x0, x1), pass-1 coefficients [ax0, ax1), pass-1 sums [cx0, cx1). */
  private x0 = 0;
  private x1 = 0;
  private ax0 = 0;
  private ax1 = 0;
  private cx0 = 0;
  private cx1 = 0;

  constructor(guide: Guide, channels: number, stripWidth: number = DEFAULT_STRIP_WIDTH, stride: number = channels) {
    if (guide.subsample !== 1) throw new Error('GuidedFilterWorkspace: needs an exact guide (subsample 1)');
    if (stride < channels) throw new Error(`GuidedFilterWorkspace: stride ${stride} < channels ${channels}`);
    this.guide = guide;
    this.channels = channels;
    this.stride = stride;
    this.stripWidth = Math.min(guide.width, Math.max(1, stripWidth));
    const r = guide.radius;
    const K = 4 * channels;
    // Local column sums carry r+1 zero columns on each side of the strip's halo
    // so the horizontal window slides without border branches.
    const maxCols = this.stripWidth + 4 * r + 2 * (r + 1);
    this.colSum1 = new Float64Array(maxCols * K);
    this.colSum2 = new Float64Array(maxCols * K);
    this.ringRows = 2 * r + 2;
    this.ring = new Float64Array(this.ringRows * (this.stripWidth + 2 * r) * K);
    this.acc = new Float64Array(K);
    this.segment = new Float64Array(this.stripWidth * K);
  }

  /**
   * Filters rows `[y0, y1)` of `p` (HWC, `stride` values per pixel of which the
   * first `channels` are filtered) and hands the
   * output to `sink` strip by strip; with `coefficients` the values are the
   * window means [mean_a (3), mean_b] of each channel (4 per channel) instead of q.
   */
  filterRows(p: Float32Array, y0: number, y1: number, sink: SegmentSink, coefficients = false): void {
    const { width: W, radius: r } = this.guide;
    for (let x0 = 0; x0 < W; x0 += this.stripWidth) {
      this.x0 = x0;
      this.x1 = Math.min(W, x0 + this.stripWidth);
      this.ax0 = Math.max(0, x0 - r);
      this.ax1 = Math.min(W, this.x1 + r);
      this.cx0 = Math.max(0, x0 - 2 * r);
      this.cx1 = Math.min(W, this.x1 + 2 * r);
      this.filterStrip(p, y0, y1, sink, coefficients);
    }
  }

  private filterStrip(p: Float32Array, y0: number, y1: number, sink: SegmentSink, coefficients: boolean): void {
    const { height: H, radius: r } = this.guide;
    const out = this.segment.subarray(0, (this.x1 - this.x0) * (coefficients ? 4 : 1) * this.channels);
    const a0 = Math.max(0, y0 - r);
    const a1 = Math.min(H, y1 + r);
    this.colSum1.fill(0);
    this.colSum2.fill(0);
    // Vertical pass-1 sums for row a0.
    for (let y = Math.max(0, a0 - r); y <= Math.min(H - 1, a0 + r); y++) this.productRow(p, y, -1);
    let nextA = a0;
    for (let y = y0; y < y1; y++) {
      const need = Math.min(H - 1, y + r);
      while (nextA <= need) {
        this.coefficientRow(nextA);
        if (nextA + 1 < a1) this.productRow(p, nextA + r + 1 < H ? nextA + r + 1 : -1, nextA - r >= 0 ? nextA - r : -1);
        nextA++;
      }
      if (y === y0) {
        for (let j = Math.max(0, y0 - r); j <= need; j++) this.ringRow(j, -1);
      } else {
        this.ringRow(y + r < H ? y + r : -1, y - r - 1 >= 0 ? y - r - 1 : -1);
      }
      if (coefficients) this.meanCoefficientRow(y, out);
      else this.outputRow(y, out);
      sink(y, this.x0, this.x1, out);
    }
  }

  /** colSum1 += products of row `add`, −= products of row `sub` (−1 = none), strip columns [cx0, cx1). */
  private productRow(p: Float32Array, add: number, sub: number): void {
    const W = this.guide.width;
    const C = this.channels;
    const S = this.stride;
    const img = this.guide.image;
    const col = this.colSum1;
    const { cx0, cx1 } = this;
    const n = cx1 - cx0;
    // Local column of image column cx0 (after r+1 padding columns).
    let o = (this.guide.radius + 1) * 4 * C;
    if (add >= 0 && sub >= 0) {
      let pa = (add * W + cx0) * S;
      let ps = (sub * W + cx0) * S;
      let ia = (add * W + cx0) * 3;
      let is = (sub * W + cx0) * 3;
      for (let x = 0; x < n; x++, ia += 3, is += 3, pa += S, ps += S) {
        const ra = img[ia], ga = img[ia + 1], ba = img[ia + 2];
        const rs = img[is], gs = img[is + 1], bs = img[is + 2];
        for (let c = 0; c < C; c++, o += 4) {
          const va = p[pa + c];
          const vs = p[ps + c];
          col[o] += va - vs;
          col[o + 1] += va * ra - vs * rs;
          col[o + 2] += va * ga - vs * gs;
          col[o + 3] += va * ba - vs * bs;
        }
      }
      return;
    }
    const row = add >= 0 ? add : sub;
    if (row < 0) return;
    const sign = add >= 0 ? 1 : -1;
    let pi = (row * W + cx0) * S;
    let ii = (row * W + cx0) * 3;
    for (let x = 0; x < n; x++, ii += 3, pi += S) {
      const R = img[ii], G = img[ii + 1], B = img[ii + 2];
      for (let c = 0; c < C; c++, o += 4) {
        const v = sign * p[pi + c];
        col[o] += v;
        col[o + 1] += v * R;
        col[o + 2] += v * G;
        col[o + 3] += v * B;
      }
    }
  }

  /** Pass-1 horizontal box of colSum1 for image row j → (a, b) of columns [ax0, ax1) into its ring slot. */
  private coefficientRow(j: number): void {
    const { width: W, radius: r, mean, invCov, invCountCols } = this.guide;
    const K = 4 * this.channels;
    const col = this.colSum1;
    const acc = this.acc;
    const dst = this.ring;
    const { ax0, ax1 } = this;
    let d = (j % this.ringRows) * (ax1 - ax0) * K;
    const invRow = this.guide.invCountRows[j];
    // Local column of image column x is x − cx0 + r + 1; the window of ax0 − 1 starts r columns left of it.
    const first = ax0 - this.cx0;
    startAccumulator(acc, col, K, first, 2 * r + 1);
    let a = (first + 2 * r + 1) * K;
    let s = first * K;
    let pix = j * W + ax0;
    for (let x = ax0; x < ax1; x++, pix++, a += K, s += K) {
      const inv = invRow * invCountCols[x];
      const mr = mean[3 * pix], mg = mean[3 * pix + 1], mb = mean[3 * pix + 2];
      const q = 6 * pix;
      const s00 = invCov[q], s01 = invCov[q + 1], s02 = invCov[q + 2];
      const s11 = invCov[q + 3], s12 = invCov[q + 4], s22 = invCov[q + 5];
      for (let k = 0; k < K; k += 4, d += 4) {
        const v0 = acc[k] + col[a + k] - col[s + k];
        const v1 = acc[k + 1] + col[a + k + 1] - col[s + k + 1];
        const v2 = acc[k + 2] + col[a + k + 2] - col[s + k + 2];
        const v3 = acc[k + 3] + col[a + k + 3] - col[s + k + 3];
        acc[k] = v0;
        acc[k + 1] = v1;
        acc[k + 2] = v2;
        acc[k + 3] = v3;
        const mp = v0 * inv;
        const cr = v1 * inv - mr * mp;
        const cg = v2 * inv - mg * mp;
        const cb = v3 * inv - mb * mp;
        const ar = s00 * cr + s01 * cg + s02 * cb;
        const ag = s01 * cr + s11 * cg + s12 * cb;
        const ab = s02 * cr + s12 * cg + s22 * cb;
        dst[d] = ar;
        dst[d + 1] = ag;
        dst[d + 2] = ab;
        dst[d + 3] = mp - ar * mr - ag * mg - ab * mb;
      }
    }
  }

  /** colSum2 += ring row `add`, −= ring row `sub` (−1 = none). */
  private ringRow(add: number, sub: number): void {
    const K = 4 * this.channels;
    const n = (this.ax1 - this.ax0) * K;
    const col = this.colSum2;
    const ring = this.ring;
    const R = this.ringRows;
    // colSum2's local column 0 is image column ax0 − r − 1.
    const P = (this.guide.radius + 1) * K;
    const oa = (add % R) * n - P;
    const os = (sub % R) * n - P;
    if (add >= 0 && sub >= 0) {
      for (let k = P; k < n + P; k++) col[k] += ring[oa + k] - ring[os + k];
    } else if (add >= 0) {
      for (let k = P; k < n + P; k++) col[k] += ring[oa + k];
    } else if (sub >= 0) {
      for (let k = P; k < n + P; k++) col[k] -= ring[os + k];
    }
  }

  /** Pass-2 horizontal box for row y and q = mean_aᵀ I + mean_b on columns [x0, x1). */
  private outputRow(y: number, out: Float64Array): void {
    const { width: W, radius: r, image, invCountCols } = this.guide;
    const K = 4 * this.channels;
    const col = this.colSum2;
    const acc = this.acc;
    const invRow = this.guide.invCountRows[y];
    const first = this.x0 - this.ax0;
    startAccumulator(acc, col, K, first, 2 * r + 1);
    let a = (first + 2 * r + 1) * K;
    let s = first * K;
    let ii = (y * W + this.x0) * 3;
    let o = 0;
    for (let x = this.x0; x < this.x1; x++, ii += 3, a += K, s += K) {
      const inv = invRow * invCountCols[x];
      const R = image[ii] * inv, G = image[ii + 1] * inv, B = image[ii + 2] * inv;
      for (let k = 0; k < K; k += 4) {
        const v0 = acc[k] + col[a + k] - col[s + k];
        const v1 = acc[k + 1] + col[a + k + 1] - col[s + k + 1];
        const v2 = acc[k + 2] + col[a + k + 2] - col[s + k + 2];
        const v3 = acc[k + 3] + col[a + k + 3] - col[s + k + 3];
        acc[k] = v0;
        acc[k + 1] = v1;
        acc[k + 2] = v2;
        acc[k + 3] = v3;
        out[o++] = v0 * R + v1 * G + v2 * B + v3 * inv;
      }
    }
  }

  /** Pass-2 horizontal box for row y on columns [x0, x1), keeping the window means of a and b. */
  private meanCoefficientRow(y: number, out: Float64Array): void {
    const { radius: r, invCountCols } = this.guide;
    const K = 4 * this.channels;
    const col = this.colSum2;
    const acc = this.acc;
    const invRow = this.guide.invCountRows[y];
    const first = this.x0 - this.ax0;
    startAccumulator(acc, col, K, first, 2 * r + 1);
    let a = (first + 2 * r + 1) * K;
    let s = first * K;
    let o = 0;
    for (let x = this.x0; x < this.x1; x++, a += K, s += K) {
      const inv = invRow * invCountCols[x];
      for (let k = 0; k < K; k++) {
        const v = acc[k] + col[a + k] - col[s + k];
        acc[k] = v;
        out[o++] = v * inv;
      }
    }
  }
}

/** acc = Σ of `count` local columns starting at local column `first` (K values per column). */
function startAccumulator(acc: Float64Array, col: Float64Array, K: number, first: number, count: number): void {
  acc.fill(0);
  for (let x = 0, o = first * K; x < count; x++) for (let k = 0; k < K; k++, o++) acc[k] += col[o];
}
