/**
 * Fast guided filter (He & Sun): p and the guide are block-averaged by s, the
 * window means of a and b are computed on that grid (radius max(1, round(r/s))),
 * bilinearly upsampled, and q = mean_aᵀ I + mean_b uses the full-resolution I.
 * Three row-parallel phases so worker threads can split each of them.
 */
import type { Guide } from './guide';
import { blockAverage } from './box_filter';
import { GuidedFilterWorkspace, type SegmentSink } from './gf_kernel';

/** Buffers the phases exchange; pass shared ones to split phases across threads. */
export interface FastGuidedFilterBuffers {
  /** Block-averaged input, low grid, C channels. */
  pLow: Float32Array;
  /** Window means [mean_a (3), mean_b] per channel on the low grid (4C values per pixel). */
  coef: Float64Array;
}

/** Scratch and phase functions of the fast guided filter for C-channel maps. One per thread. */
export class FastGuidedFilterWorkspace {
  readonly guide: Guide;
  readonly low: Guide;
  readonly channels: number;
  /** Values per pixel of the full-resolution input (≥ channels). */
  readonly stride: number;
  readonly buffers: FastGuidedFilterBuffers;
  private readonly lowWorkspace: GuidedFilterWorkspace;
  private readonly vertical: Float64Array;
  private readonly rowOut: Float64Array;

  constructor(guide: Guide, channels: number, buffers?: FastGuidedFilterBuffers, stride: number = channels) {
    if (guide.low === null || guide.upRows === null || guide.upCols === null) {
      throw new Error('FastGuidedFilterWorkspace: the guide was prepared without subsampling');
    }
    this.guide = guide;
    this.low = guide.low;
    this.channels = channels;
    this.stride = stride;
    const nLow = this.low.height * this.low.width;
    this.buffers = buffers ?? {
      pLow: new Float32Array(nLow * channels),
      coef: new Float64Array(nLow * 4 * channels),
    };
    if (this.buffers.pLow.length !== nLow * channels || this.buffers.coef.length !== nLow * 4 * channels) {
      throw new Error('FastGuidedFilterWorkspace: buffers do not match the low grid');
    }
    this.lowWorkspace = new GuidedFilterWorkspace(this.low, channels);
    this.vertical = new Float64Array(this.low.width * 4 * channels);
    this.rowOut = new Float64Array(guide.width * channels);
  }

  /** Phase 1: low-grid rows `[ly0, ly1)` of the block-averaged input (first `channels` of `stride` values per pixel). */
  downsampleRows(p: Float32Array, ly0: number, ly1: number): void {
    const g = this.guide;
    blockAverage(p, g.height, g.width, this.channels, g.subsample, this.buffers.pLow, ly0, ly1, this.stride);
  }

  /** Phase 2: low-grid rows `[ly0, ly1)` of the a, b window means (needs all of phase 1). */
  coefficientRows(ly0: number, ly1: number): void {
    const coef = this.buffers.coef;
    const K = 4 * this.channels;
    const Wl = this.low.width;
    this.lowWorkspace.filterRows(this.buffers.pLow, ly0, ly1, (y, x0, _x1, seg) => coef.set(seg, (y * Wl + x0) * K), true);
  }

  /** Phase 3: full-resolution output rows `[y0, y1)` (needs all of phase 2). */
  upsampleRows(y0: number, y1: number, sink: SegmentSink): void {
    const { width: W, image } = this.guide;
    const Hl = this.low.height;
    const K = 4 * this.channels;
    const rowLen = this.low.width * K;
    const coef = this.buffers.coef;
    const vert = this.vertical;
    const out = this.rowOut;
    const rows = this.guide.upRows!;
    const cols = this.guide.upCols!;
    for (let y = y0; y < y1; y++) {
      const i0 = rows.index[y];
      const fy = rows.frac[y];
      const o0 = i0 * rowLen;
      const o1 = Math.min(i0 + 1, Hl - 1) * rowLen;
      for (let k = 0; k < rowLen; k++) vert[k] = coef[o0 + k] + fy * (coef[o1 + k] - coef[o0 + k]);
      let ii = y * W * 3;
      let o = 0;
      for (let x = 0; x < W; x++, ii += 3) {
        const j0 = cols.index[x] * K;
        const j1 = Math.min(cols.index[x] + 1, this.low.width - 1) * K;
        const fx = cols.frac[x];
        const R = image[ii], G = image[ii + 1], B = image[ii + 2];
        for (let k = 0; k < K; k += 4) {
          const ar = vert[j0 + k] + fx * (vert[j1 + k] - vert[j0 + k]);
          const ag = vert[j0 + k + 1] + fx * (vert[j1 + k + 1] - vert[j0 + k + 1]);
          const ab = vert[j0 + k + 2] + fx * (vert[j1 + k + 2] - vert[j0 + k + 2]);
          const b = vert[j0 + k + 3] + fx * (vert[j1 + k + 3] - vert[j0 + k + 3]);
          out[o++] = ar * R + ag * G + ab * B + b;
        }
      }
      sink(y, 0, W, out);
    }
  }
}
