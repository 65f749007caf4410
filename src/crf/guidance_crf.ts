/**
 * Guidance CRF with content-sensitive compatibility (docs/method.md §2), single
 * thread. See `crf_pool.ts` for the multi-threaded version (same results).
 */
import { prepareGuide } from './guided_filter';
import type { Guide, GuideAllocator } from './guide';
import { MeanFieldEngine, runMeanFieldBand, type MeanFieldBuffers } from './mean_field';
import { resolveCrfSettings, type CrfSettings } from './settings';
import type { FastGuidedFilterBuffers } from './fast_guided_filter';
import { usesWasmKernel, type CrfRunOptions } from './kernel';
import { WasmBand } from './wasm/wasm_band';
import { runWasmBand } from './wasm/wasm_mean_field';

/** One image's CRF input. */
export interface CrfInput {
  /** RGB image, HWC, 0..255. */
  image: Uint8Array | Float32Array;
  /** Unary scores U (logits), HWL with the class fastest. */
  unary: Float32Array;
  height: number;
  width: number;
  numClasses: number;
  /**
   * ĝ = log sigmoid(g) per class (see compatibility.ts); needed when λ > 0,
   * ignored otherwise. `null` = Potts compatibility.
   */
  logPresence?: ArrayLike<number> | null;
  /** A guide prepared earlier for this image with the same r, ε and subsample (reused across settings). */
  guide?: Guide;
}

/** CRF output. */
export interface CrfResult {
  /** Final scores S, HWL (the unary itself when T = 0). */
  scores: Float32Array;
  /** argmax of S, H·W. */
  labels: Uint8Array;
}

/** Checks an input against the settings; returns the guide to use (prepared, with `allocate` if given, when absent). */
export function checkCrfInput(input: CrfInput, settings: CrfSettings, allocate?: GuideAllocator): Guide {
  return validateCrfInput(input, settings) ?? prepareGuide(input.image, input.height, input.width, settings.r, settings.eps, { subsample: settings.subsample, allocate });
}

/** Checks an input against the settings; returns its guide, or null when it brings none. */
export function validateCrfInput(input: CrfInput, settings: CrfSettings): Guide | null {
  const { height: H, width: W, numClasses: L } = input;
  if (!Number.isInteger(L) || L < 1 || L > 256) throw new Error(`guidance CRF: numClasses must be 1..256, got ${L}`);
  if (input.unary.length !== H * W * L) {
    throw new Error(`guidance CRF: unary has ${input.unary.length} values, expected ${H}x${W}x${L}`);
  }
  const lp = input.logPresence ?? null;
  if (settings.lambda !== 0 && lp === null) {
    throw new Error('guidance CRF: crf.lambda > 0 needs the log presence ĝ of the classes (logPresence)');
  }
  if (lp !== null && lp.length !== L) throw new Error(`guidance CRF: ${lp.length} log-presence values for ${L} classes`);
  const g = input.guide;
  if (g === undefined) {
    if (input.image.length !== H * W * 3) throw new Error(`guidance CRF: image has ${input.image.length} values, expected ${H}x${W}x3`);
    return null;
  }
  if (g.height !== H || g.width !== W || g.radius !== settings.r || g.eps !== settings.eps || g.subsample !== settings.subsample) {
    throw new Error(
      `guidance CRF: guide (${g.height}x${g.width}, r=${g.radius}, eps=${g.eps}, s=${g.subsample}) does not match the input/settings`,
    );
  }
  return g;
}

/** Exchange buffers of the fast filter for a low grid of `nLow` pixels (L − 1 classes are filtered). */
export function fastBuffers(
  nLow: number,
  L: number,
  f32: (n: number) => Float32Array,
  f64: (n: number) => Float64Array,
): FastGuidedFilterBuffers {
  const F = L > 1 ? L - 1 : 1;
  return { pLow: f32(nLow * F), coef: f64(nLow * 4 * F) };
}

/**
 * Runs T mean-field iterations of the guidance CRF on one image and returns the
 * final scores and labels. Cost O(H·W·L) per iteration whatever r.
 */
export function runGuidanceCrf(input: CrfInput, partialSettings: Partial<CrfSettings> = {}, options: CrfRunOptions = {}): CrfResult {
  const settings = resolveCrfSettings(partialSettings);
  if (usesWasmKernel(options.kernel, settings, input.numClasses)) return runWasmSingle(input, settings);
  const guide = checkCrfInput(input, settings);
  const n = input.height * input.width;
  const L = input.numClasses;
  const low = guide.low;
  const buffers: MeanFieldBuffers = {
    unary: input.unary,
    q: [new Float32Array(n * L), new Float32Array(n * L)],
    labels: new Uint8Array(n),
    fast: low
      ? fastBuffers(low.height * low.width, L, (n) => new Float32Array(n), (n) => new Float64Array(n))
      : null,
  };
  const lp = settings.lambda !== 0 ? (input.logPresence ?? null) : null;
  const engine = new MeanFieldEngine(guide, L, buffers, settings, lp);
  const Hl = low ? low.height : 0;
  runMeanFieldBand(engine, { y0: 0, y1: input.height, ly0: 0, ly1: Hl }, () => {});
  return { scores: buffers.q[settings.T % 2], labels: buffers.labels };
}

/** The calling thread's kernel instance, kept so its memory is reused across images. */
let mainBand: WasmBand | null = null;

/** Band shape of rows [y0, y1) of an input. */
export function wasmShape(input: CrfInput, settings: CrfSettings, y0: number, y1: number) {
  const lp = settings.lambda !== 0 ? (input.logPresence ?? null) : null;
  return {
    height: input.height,
    width: input.width,
    numClasses: input.numClasses,
    radius: settings.r,
    eps: settings.eps,
    y0,
    y1,
    w: settings.w,
    wLambda: lp === null ? 0 : settings.w * settings.lambda,
    logPresence: lp,
  };
}

/** Single-thread run on the WebAssembly kernel (guide statistics computed there unless a guide is given). */
function runWasmSingle(input: CrfInput, settings: CrfSettings): CrfResult {
  const guide = validateCrfInput(input, settings);
  mainBand ??= new WasmBand();
  const n = input.height * input.width;
  const outputs = { scores: new Float32Array(n * input.numClasses), labels: new Uint8Array(n) };
  const shape = wasmShape(input, settings, 0, input.height);
  runWasmBand(mainBand, shape, settings.T, { image: input.image, guide, unary: input.unary }, outputs, null, () => {});
  return outputs;
}
