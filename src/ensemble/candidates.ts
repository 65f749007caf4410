/**
 * The test-time candidates of docs/method.md §3 (scales × flips), their order
 * and options: plain data, shared by both runtimes and the browser.
 */
import type { Candidate, CombineMode } from './combine';

export interface EnsembleOptions {
  /** Resize factors of the candidates (paper: 1.2, 1.0, 0.8). */
  scales: number[];
  /** Also run each scale on the horizontally flipped image. */
  flip: boolean;
  combine: CombineMode;
  /** Per-candidate, per-class weights [candidates × L] for `learned`. */
  learnedWeights?: Float32Array;
  /** Sliding-window inference: tiles of this size (pixels), for images too large to run whole (ensemble/sliding_window.ts). */
  window?: { height: number; width: number };
}

/** Single candidate: the image as it is. */
export const SINGLE_SCALE: EnsembleOptions = { scales: [1], flip: false, combine: 'avg' };
/** The paper's candidate scales (each also flipped: 6 candidates). */
export const PAPER_SCALES: readonly number[] = [1.2, 1, 0.8];
/** The paper's 6 candidates combined by average. */
export const SIX_CANDIDATES: EnsembleOptions = { scales: [...PAPER_SCALES], flip: true, combine: 'avg' };

/** Unary scores of one image: `scores` is H*W*L (row-major, classes fastest). */
export interface UnaryMap {
  height: number;
  width: number;
  numClasses: number;
  scores: Float32Array;
  /** Global scores g (averaged over candidates); null for the baseline. */
  global: Float32Array | null;
}

/** The candidates of `opts` in the order {@link candidateUnaries} stacks them (scale-major, unflipped first). */
export function candidateList(opts: Pick<EnsembleOptions, 'scales' | 'flip'>): Candidate[] {
  return opts.scales.flatMap((scale) => (opts.flip ? [false, true] : [false]).map((flipped) => ({ scale, flipped })));
}

/** Size of the candidate of an `height` × `width` image at `scale`: round(H·scale) × round(W·scale), at least 1. */
export function scaledSize(height: number, width: number, scale: number): [number, number] {
  return [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
}

/** The largest candidate image the network is given (pixels): beyond, the runtimes run out of memory. */
export const MAX_CANDIDATE_PIXELS = 4096 * 4096;
/** The most candidate scores kept for one image (candidates × H × W × L float32: 1 GiB). */
export const MAX_CANDIDATE_SCORES = 2 ** 28;

/**
 * Checks one image and its candidate options before any network work, for
 * either runtime: positive scales, H·W·3 RGB values, and the size guard below.
 */
export function checkCandidateInput(image: ArrayLike<number>, height: number, width: number, numClasses: number, opts: Pick<EnsembleOptions, 'scales' | 'flip'>): void {
  if (!opts.scales.length || opts.scales.some((s) => !Number.isFinite(s) || s <= 0)) {
    throw new Error(`ensemble scales must be one or more positive numbers, got [${opts.scales.join(', ')}]`);
  }
  if (image.length !== height * width * 3) throw new Error(`image has ${image.length} values, expected ${height}×${width}×3 (RGB)`);
  checkCandidateSize(height, width, numClasses, opts);
}

/**
 * Refuses, before any work, an image whose candidates would exhaust memory:
 * the largest candidate (H·s × W·s pixels) and all candidates' scores at the
 * image's size (candidates × H × W × L). The error gives the limit and how to stay under it.
 */
export function checkCandidateSize(height: number, width: number, numClasses: number, opts: Pick<EnsembleOptions, 'scales' | 'flip'>): void {
  for (const s of opts.scales) {
    const [h, w] = scaledSize(height, width, s);
    if (h * w > MAX_CANDIDATE_PIXELS) {
      throw new Error(
        `image ${width}×${height} at scale ${s} makes a ${w}×${h} candidate (${(h * w / 1e6).toFixed(1)} MP), over the limit of ` +
          `${(MAX_CANDIDATE_PIXELS / 1e6).toFixed(1)} MP: downscale the image or use smaller scales`,
      );
    }
  }
  const candidates = opts.scales.length * (opts.flip ? 2 : 1);
  const scores = candidates * height * width * numClasses;
  if (scores > MAX_CANDIDATE_SCORES) {
    throw new Error(
      `image ${width}×${height} with ${candidates} candidates of ${numClasses} classes needs ${(scores * 4 / 2 ** 30).toFixed(1)} GiB of scores, ` +
        `over the limit of ${(MAX_CANDIDATE_SCORES * 4 / 2 ** 30).toFixed(0)} GiB: use fewer candidates (scales, flip) or downscale the image`,
    );
  }
}
