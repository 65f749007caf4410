/** Messages between {@link GuidanceCrfPool} (crf_pool.ts) and its worker threads (crf_worker.ts). */
import type { BarrierOptions } from '../util/shared_barrier';
import type { Guide } from './guide';
import type { Band, MeanFieldBuffers } from './mean_field';
import type { CrfSettings } from './settings';
import type { WasmBandShape } from './wasm/wasm_band';

/** The pool's barrier: named in errors, and a stuck thread fails the run instead of hanging it. */
export const CRF_BARRIER: BarrierOptions = { what: 'guidance CRF', timeoutMs: 120_000 };

/** What the calling thread sends a worker for one run on the JavaScript kernel (all maps shared). */
export interface WorkerRunMessage {
  kernel: 'js';
  index: number;
  parties: number;
  ctrl: Int32Array;
  errorText: Uint8Array;
  guide: Guide;
  numClasses: number;
  buffers: MeanFieldBuffers;
  settings: CrfSettings;
  logPresence: Float64Array | null;
  band: Band;
}

/** What the calling thread sends a worker for one run on the WebAssembly kernel (all maps shared). */
export interface WasmWorkerRunMessage {
  kernel: 'wasm';
  index: number;
  parties: number;
  ctrl: Int32Array;
  errorText: Uint8Array;
  shape: WasmBandShape;
  T: number;
  /** Image rows the band needs (when `guide` is null) and its unary rows. */
  image: Float32Array;
  guide: Guide | null;
  unary: Float32Array;
  /** Halo exchange maps; the final scores go to `exchange[T % 2]`. */
  exchange: [Float32Array, Float32Array];
  labels: Uint8Array;
}
