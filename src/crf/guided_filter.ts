/**
 * Guided filter with the image as guide (docs/method.md §2): per-image quantities are
 * precomputed once by {@link prepareGuide}, after which filtering any number of
 * maps costs O(H·W) per map whatever the radius.
 */
import { blockAverage, inverseWindowCounts } from './box_filter';
import { GuidedFilterWorkspace } from './gf_kernel';
import { FastGuidedFilterWorkspace } from './fast_guided_filter';
import type { Guide, GuideAllocator } from './guide';

/** Default regularization ε of the paper, on the 0..255 image scale. */
export const DEFAULT_GF_EPS = 10;

/** Options of {@link prepareGuide}. */
export interface GuideOptions {
  /** Fast guided filter subsampling factor (1 = exact, the default). */
  subsample?: number;
  /** Allocate the maps on SharedArrayBuffers so worker threads can read them. */
  shared?: boolean;
  /** Where the maps go (overrides `shared`); their previous contents are overwritten. */
  allocate?: GuideAllocator;
}

/** Fresh plain or shared arrays. */
export function defaultGuideAllocator(shared: boolean): GuideAllocator {
  return (_name, length, type) => {
    const bytes = type === 'float32' ? 4 : 8;
    const buffer = shared ? new SharedArrayBuffer(length * bytes) : new ArrayBuffer(length * bytes);
    return type === 'float32' ? new Float32Array(buffer) : new Float64Array(buffer);
  };
}

function allocF32(allocate: GuideAllocator, name: string, length: number): Float32Array {
  const a = allocate(name, length, 'float32');
  if (!(a instanceof Float32Array) || a.length !== length) throw new Error(`prepareGuide: allocator gave a bad '${name}' array`);
  return a;
}

function allocF64(allocate: GuideAllocator, name: string, length: number): Float64Array {
  const a = allocate(name, length, 'float64');
  if (!(a instanceof Float64Array) || a.length !== length) throw new Error(`prepareGuide: allocator gave a bad '${name}' array`);
  return a;
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
  const allocate = options.allocate ?? defaultGuideAllocator(options.shared ?? false);
  if (image.length !== H * W * 3) {
    throw new Error(`prepareGuide: image has ${image.length} values, expected ${H}x${W}x3`);
  }
  if (!Number.isInteger(radius) || radius < 1) throw new Error(`prepareGuide: radius must be an integer >= 1, got ${radius}`);
  if (!(eps > 0)) throw new Error(`prepareGuide: eps must be > 0, got ${eps}`);
  if (!Number.isInteger(s) || s < 1) throw new Error(`prepareGuide: subsample must be an integer >= 1, got ${s}`);
  const img = allocF32(allocate, 'image', H * W * 3);
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
    const lowAllocate: GuideAllocator = (name, length, type) => allocate(`low.${name}`, length, type);
    const low = prepareGuide(lowImage, Hl, Wl, Math.max(1, Math.round(radius / s)), eps, { allocate: lowAllocate });
    return {
      ...base,
      mean: new Float64Array(0),
      invCov: new Float64Array(0),
      low,
      upRows: upsamplingTable(H, Hl, s),
      upCols: upsamplingTable(W, Wl, s),
    };
  }
  const { mean, invCov } = windowStatistics(img, H, W, radius, eps, allocate);
  return { ...base, mean, invCov, low: null, upRows: null, upCols: null };
}

/**
 * Window means and regularized inverse covariances of the guide image, streamed
 * row by row (running sums of the 9 moments R, G, B, RR, RG, RB, GG, GB, BB).
 */
function windowStatistics(img: Float32Array, H: number, W: number, r: number, eps: number, allocate: GuideAllocator) {
  const mean = allocF64(allocate, 'mean', H * W * 3);
  const invCov = allocF64(allocate, 'invCov', H * W * 6);
  const invRows = inverseWindowCounts(H, r);
  const invCols = inverseWindowCounts(W, r);
  const col = new Float64Array(W * 9);
  const scratch = new Float64Array(18);
  for (let y = 0; y <= Math.min(r, H - 1); y++) addMomentRow(img, y, W, col, 1);
  for (let y = 0; y < H; y++) {
    statisticsRow(col, y, W, r, eps, invRows[y], invCols, scratch, mean, invCov);
    if (y + r + 1 < H) addMomentRow(img, y + r + 1, W, col, 1);
    if (y - r >= 0) addMomentRow(img, y - r, W, col, -1);
  }
  return { mean, invCov };
}

/** col += sign × the 9 moments of every pixel of image row y. */
function addMomentRow(img: Float32Array, y: number, W: number, col: Float64Array, sign: number): void {
  for (let x = 0, i = y * W * 3, o = 0; x < W; x++, i += 3, o += 9) {
    const R = img[i], G = img[i + 1], B = img[i + 2];
    col[o] += sign * R;
    col[o + 1] += sign * G;
    col[o + 2] += sign * B;
    col[o + 3] += sign * R * R;
    col[o + 4] += sign * R * G;
    col[o + 5] += sign * R * B;
    col[o + 6] += sign * G * G;
    col[o + 7] += sign * G * B;
    col[o + 8] += sign * B * B;
  }
}

/** Horizontal window sums of the column moments for row y, then μ and (Σ + εI)⁻¹ per pixel. */
function statisticsRow(
  col: Float64Array,
  y: number,
  W: number,
  r: number,
  eps: number,
  invRow: number,
  invCols: Float64Array,
  scratch: Float64Array,
  mean: Float64Array,
  invCov: Float64Array,
): void {
  const acc = scratch; // [0, 9): window sums; [9, 18): window means
  acc.fill(0, 0, 9);
  for (let x = 0; x <= Math.min(r, W - 1); x++) for (let k = 0; k < 9; k++) acc[k] += col[9 * x + k];
  for (let x = 0; x < W; x++) {
    const inv = invRow * invCols[x];
    for (let k = 0; k < 9; k++) acc[9 + k] = acc[k] * inv;
    writeInverse(acc, eps, mean, invCov, y * W + x);
    if (x + r + 1 < W) for (let k = 0; k < 9; k++) acc[k] += col[9 * (x + r + 1) + k];
    if (x - r >= 0) for (let k = 0; k < 9; k++) acc[k] -= col[9 * (x - r) + k];
  }
}

/** Stores μ and (Σ + εI)⁻¹ of pixel i from its window moments m[9..18) (E[I], E[IIᵀ] upper triangle). */
function writeInverse(m: Float64Array, eps: number, mean: Float64Array, invCov: Float64Array, i: number): void {
  const mr = m[9];
  const mg = m[10];
  const mb = m[11];
  const a = m[12] - mr * mr + eps;
  const b = m[13] - mr * mg;
  const c = m[14] - mr * mb;
  const d = m[15] - mg * mg + eps;
  const e = m[16] - mg * mb;
  const f = m[17] - mb * mb + eps;
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
