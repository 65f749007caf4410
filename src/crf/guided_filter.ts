/**
 * Guided filter with the image as guide (METHOD.md §2): per-image quantities are
 * precomputed once by {@link prepareGuide}, after which filtering any number of
 * maps costs O(H·W) per map whatever the radius.
 */
import { blockAverage, boxFilter, inverseWindowCounts } from './box_filter';
import { GuidedFilterWorkspace } from './gf_kernel';
import { FastGuidedFilterWorkspace } from './fast_guided_filter';

/** Default regularization ε of the paper, on the 0..255 image scale. */
export const DEFAULT_GF_EPS = 10;

/** Per-image data of the guided filter. All maps are row-major HWC. */
export interface Guide {
  height: number;
  width: number;
  /** Window radius r: windows are (2r+1)x(2r+1). */
  radius: number;
  /** Regularization ε added to the window covariance (0..255 scale). */
  eps: number;
  /** 1 = exact filter; s > 1 = fast guided filter computing a, b on an s-times subsampled grid. */
  subsample: number;
  /** The guide image, 3 channels, 0..255. */
  image: Float32Array;
  /** Window means μ_k of the image (3 channels); empty when subsample > 1. */
  mean: Float64Array;
  /** (Σ_k + εI)⁻¹ per pixel, symmetric, stored as [00, 01, 02, 11, 12, 22]; empty when subsample > 1. */
  invCov: Float64Array;
  /** Box normalization factors 1/count per row and per column. */
  invCountRows: Float64Array;
  invCountCols: Float64Array;
  /** Fast mode only: the exact guide of the block-averaged image (radius max(1, round(r/s))). */
  low: Guide | null;
  /** Fast mode only: bilinear upsampling tables from the low grid (lower index, weight of the upper one). */
  upRows: { index: Int32Array; frac: Float64Array } | null;
  upCols: { index: Int32Array; frac: Float64Array } | null;
}

/** Options of {@link prepareGuide}. */
export interface GuideOptions {
  /** Fast guided filter subsampling factor (1 = exact, the default). */
  subsample?: number;
  /** Allocate the maps on SharedArrayBuffers so worker threads can read them. */
  shared?: boolean;
}

function allocF64(n: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
}

function allocF32(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
}

/**
 * Precomputes the guide of an RGB image (HWC, 0..255): window means μ and the
 * inverses (Σ + εI)⁻¹, or, with `subsample` s > 1, the same at low resolution
 * for the fast guided filter.
 */
export function prepareGuide(
  image: Uint8Array | Float32Array,
  height: number,
  width: number,
  radius: number = 4,
  eps: number = DEFAULT_GF_EPS,
  options: GuideOptions = {},
): Guide {
  const H = height;
  const W = width;
  const s = options.subsample ?? 1;
  const shared = options.shared ?? false;
  if (image.length !== H * W * 3) {
    throw new Error(`prepareGuide: image has ${image.length} values, expected ${H}x${W}x3`);
  }
  if (!Number.isInteger(radius) || radius < 1) throw new Error(`prepareGuide: radius must be an integer >= 1, got ${radius}`);
  if (!(eps > 0)) throw new Error(`prepareGuide: eps must be > 0, got ${eps}`);
  if (!Number.isInteger(s) || s < 1) throw new Error(`prepareGuide: subsample must be an integer >= 1, got ${s}`);
  const img = allocF32(H * W * 3, shared);
  img.set(image);
  const base = {
    height: H,
    width: W,
    radius,
    eps,
    subsample: s,
    image: img,
    invCountRows: inverseWindowCounts(H, radius),
    invCountCols: inverseWindowCounts(W, radius),
  };
  if (s > 1) {
    const Hl = Math.ceil(H / s);
    const Wl = Math.ceil(W / s);
    const lowImage = blockAverage(img, H, W, 3, s, new Float32Array(Hl * Wl * 3));
    const low = prepareGuide(lowImage, Hl, Wl, Math.max(1, Math.round(radius / s)), eps, { shared });
    return {
      ...base,
      mean: new Float64Array(0),
      invCov: new Float64Array(0),
      low,
      upRows: upsamplingTable(H, Hl, s),
      upCols: upsamplingTable(W, Wl, s),
    };
  }
  const { mean, invCov } = windowStatistics(img, H, W, radius, eps, shared);
  return { ...base, mean, invCov, low: null, upRows: null, upCols: null };
}

/** Window means and regularized inverse covariances of the guide image. */
function windowStatistics(img: Float32Array, H: number, W: number, r: number, eps: number, shared: boolean) {
  const n = H * W;
  // Channels: R, G, B, RR, RG, RB, GG, GB, BB.
  const moments = new Float64Array(n * 9);
  for (let i = 0; i < n; i++) {
    const R = img[3 * i];
    const G = img[3 * i + 1];
    const B = img[3 * i + 2];
    const o = 9 * i;
    moments[o] = R;
    moments[o + 1] = G;
    moments[o + 2] = B;
    moments[o + 3] = R * R;
    moments[o + 4] = R * G;
    moments[o + 5] = R * B;
    moments[o + 6] = G * G;
    moments[o + 7] = G * B;
    moments[o + 8] = B * B;
  }
  const m = boxFilter(moments, H, W, 9, r);
  const mean = allocF64(n * 3, shared);
  const invCov = allocF64(n * 6, shared);
  for (let i = 0; i < n; i++) {
    const o = 9 * i;
    const mr = m[o];
    const mg = m[o + 1];
    const mb = m[o + 2];
    const a = m[o + 3] - mr * mr + eps;
    const b = m[o + 4] - mr * mg;
    const c = m[o + 5] - mr * mb;
    const d = m[o + 6] - mg * mg + eps;
    const e = m[o + 7] - mg * mb;
    const f = m[o + 8] - mb * mb + eps;
    // Inverse of the symmetric [[a b c] [b d e] [c e f]] by its adjugate.
    const i00 = d * f - e * e;
    const i01 = c * e - b * f;
    const i02 = b * e - c * d;
    const i11 = a * f - c * c;
    const i12 = b * c - a * e;
    const i22 = a * d - b * b;
    const invDet = 1 / (a * i00 + b * i01 + c * i02);
    mean[3 * i] = mr;
    mean[3 * i + 1] = mg;
    mean[3 * i + 2] = mb;
    const q = 6 * i;
    invCov[q] = i00 * invDet;
    invCov[q + 1] = i01 * invDet;
    invCov[q + 2] = i02 * invDet;
    invCov[q + 3] = i11 * invDet;
    invCov[q + 4] = i12 * invDet;
    invCov[q + 5] = i22 * invDet;
  }
  return { mean, invCov };
}

/** Bilinear sampling positions on the low grid of each full-resolution index (block centres). */
function upsamplingTable(n: number, nLow: number, s: number) {
  const index = new Int32Array(n);
  const frac = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = Math.min(nLow - 1, Math.max(0, (i + 0.5) / s - 0.5));
    const i0 = Math.min(Math.floor(t), Math.max(0, nLow - 2));
    index[i] = i0;
    frac[i] = nLow > 1 ? t - i0 : 0;
  }
  return { index, frac };
}

/**
 * Guided filter GF(I, p) of every channel of `p` (HWC, any number of channels,
 * e.g. all L class maps interleaved). Exact (explicit-kernel) result when the
 * guide's subsample is 1, the fast approximation otherwise.
 */
export function applyGuidedFilter(guide: Guide, p: Float32Array, out?: Float32Array): Float32Array {
  const n = guide.height * guide.width;
  if (p.length % n !== 0 || p.length === 0) {
    throw new Error(`applyGuidedFilter: input has ${p.length} values, not a multiple of ${guide.height}x${guide.width}`);
  }
  const C = p.length / n;
  const dst = out ?? new Float32Array(p.length);
  if (dst.length !== p.length) throw new Error(`applyGuidedFilter: output has ${dst.length} values, expected ${p.length}`);
  const sink = (y: number, x0: number, x1: number, segment: Float64Array) => {
    const o = (y * guide.width + x0) * C;
    const n = (x1 - x0) * C;
    for (let k = 0; k < n; k++) dst[o + k] = segment[k];
  };
  if (guide.subsample === 1) {
    new GuidedFilterWorkspace(guide, C).filterRows(p, 0, guide.height, sink);
  } else {
    const ws = new FastGuidedFilterWorkspace(guide, C);
    const low = guide.low as Guide;
    ws.downsampleRows(p, 0, low.height);
    ws.coefficientRows(0, low.height);
    ws.upsampleRows(0, guide.height, sink);
  }
  return dst;
}
