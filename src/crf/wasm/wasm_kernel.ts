/**
 * The WebAssembly SIMD band kernel (exact filter, L ≥ 2, T ≥ 1). Each thread
 * computes its band's guide statistics (unless a guide is given) and keeps the
 * band in its own instance; the calling thread's band writes straight into the
 * result, the other bands through shared maps.
 */
import { readableByAll, shareGuide, type CrfBandKernel, type CrfJob } from '../band_kernel';
import { usedLogPresence, validateCrfInput, type CrfInput, type CrfResult } from '../crf_input';
import type { Guide } from '../guide';
import { splitRows } from '../mean_field';
import type { CrfSettings } from '../settings';
import { WasmBand, type WasmBandShape } from './wasm_band';
import { runWasmBand } from './wasm_mean_field';
import { crfWasmSupported } from './wasm_module';

/** A run on the WebAssembly kernel. */
export interface WasmJob extends CrfJob {
  kernel: 'wasm';
  T: number;
  shapes: WasmBandShape[];
  /** Image rows the other bands need (when `guide` is null) and their unary rows. */
  image: Float32Array | Uint8Array;
  guide: Guide | null;
  unary: Float32Array;
  /** Halo exchange maps (several bands only); the other bands' final scores go to `exchange[T % 2]`. */
  exchange: [Float32Array, Float32Array] | null;
  labels: Uint8Array;
}

/** The calling thread's inputs and the result its band writes into. */
interface WasmLocal {
  image: Float32Array | Uint8Array;
  unary: Float32Array;
  result: CrfResult;
}

/** This thread's kernel instance, kept so its memory is reused across images. */
let threadBand: WasmBand | null = null;

/** Band shape of rows [y0, y1) of an input. */
export function wasmShape(input: CrfInput, settings: CrfSettings, y0: number, y1: number): WasmBandShape {
  const lp = usedLogPresence(input, settings);
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

export const wasmKernel: CrfBandKernel<WasmJob, WasmLocal> = {
  name: 'wasm',
  covers: (settings, L) => settings.subsample === 1 && L >= 2 && settings.T >= 1 && crfWasmSupported(),
  prepare(input, settings, parties, memory) {
    const given = validateCrfInput(input, settings);
    const guide = given ? shareGuide(given, memory) : null;
    const { height: H, width: W, numClasses: L } = input;
    const n = H * W;
    const bands = splitRows(H, parties);
    // The other bands read rows from their first halo row down (bands are in row order, the caller's first).
    const from = parties > 1 ? Math.max(0, bands[1].y0 - 2 * settings.r) : H;
    const job: WasmJob = {
      kernel: 'wasm',
      parties,
      T: settings.T,
      shapes: bands.map((b) => wasmShape(input, settings, b.y0, b.y1)),
      image: guide === null ? readableByAll(memory, 'wasm.image', input.image, from * W * 3) : new Float32Array(0),
      guide,
      unary: readableByAll(memory, 'unary', input.unary, from * W * L),
      exchange: parties > 1 ? [memory.f32('q0', n * L), memory.f32('q1', n * L)] : null,
      labels: parties > 1 ? memory.u8('labels', n) : new Uint8Array(0),
    };
    const local = { image: input.image, unary: input.unary, result: { scores: new Float32Array(n * L), labels: new Uint8Array(n) } };
    return { job, local };
  },
  runBand(job, index, barrier, local) {
    threadBand ??= new WasmBand();
    const inputs = local ? { image: local.image, guide: job.guide, unary: local.unary } : { image: job.image, guide: job.guide, unary: job.unary };
    const outputs = local ? local.result : { scores: job.exchange![job.T % 2], labels: job.labels };
    runWasmBand(threadBand, job.shapes[index], job.T, inputs, outputs, job.exchange, barrier);
  },
  result(job, local) {
    if (job.exchange === null) return local.result;
    const { width: W, numClasses: L } = job.shapes[0];
    const y0 = job.shapes[1].y0;
    local.result.scores.set(job.exchange[job.T % 2].subarray(y0 * W * L), y0 * W * L);
    local.result.labels.set(job.labels.subarray(y0 * W), y0 * W);
    return local.result;
  },
};
