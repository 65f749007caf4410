/** What one guidance-CRF run takes and gives, whichever kernel and executor run it. */
import { prepareGuide } from './guided_filter';
import type { Guide, GuideAllocator } from './guide';
import type { CrfSettings } from './settings';

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

/**
 * `wasm`: WebAssembly SIMD kernel (an error where the runtime lacks SIMD);
 * `js`: plain JavaScript kernel; `auto` (default): wasm where supported.
 * Either way, cases the wasm kernel does not cover (fast filter, L = 1, T = 0)
 * run on the JavaScript kernel. Both give the same results up to float rounding.
 */
export type CrfKernelChoice = 'auto' | 'wasm' | 'js';

/** Execution options of a CRF run (not CRF settings: they do not change results beyond rounding). */
export interface CrfRunOptions {
  kernel?: CrfKernelChoice;
}

/** Runs the CRF one image at a time: on the calling thread (`runGuidanceCrf`) or on a pool of threads (`GuidanceCrfPool`). */
export interface CrfExecutor {
  readonly threads: number;
  run(input: CrfInput, settings?: Partial<CrfSettings>, options?: CrfRunOptions): CrfResult;
  /** Stops worker threads, if any. */
  close(): Promise<void>;
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

/** ĝ when the settings use it (λ > 0 and given), else null. */
export function usedLogPresence(input: CrfInput, settings: CrfSettings): ArrayLike<number> | null {
  return settings.lambda !== 0 ? (input.logPresence ?? null) : null;
}
