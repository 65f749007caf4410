/**
 * Mean-field schedule of one band on the WebAssembly kernel. Each thread keeps
 * its band (plus halo) in its own instance memory; between iterations the
 * bands trade only the 2r rows next to each border through shared buffers.
 */
import type { Guide } from '../guide';
import { WasmBand, type WasmBandShape } from './wasm_band';

/** Inputs of a band run (full-image arrays; only the band's rows are read). */
export interface WasmBandInputs {
  /** RGB image (HWC, 0..255), used when `guide` is null (statistics computed in the kernel). */
  image: Uint8Array | Float32Array;
  /** A prepared exact guide to copy instead. */
  guide: Guide | null;
  unary: Float32Array;
}

/** Where the band's results go (full-image arrays; the band writes its rows). */
export interface WasmBandOutputs {
  scores: Float32Array;
  labels: Uint8Array;
}

/**
 * Runs T ≥ 1 iterations for `shape`'s band. With several bands, `exchange`
 * holds two shared full-size maps and `barrier` returns once every band has
 * reached it; with one band pass null and a no-op.
 */
export function runWasmBand(
  band: WasmBand,
  shape: WasmBandShape,
  T: number,
  inputs: WasmBandInputs,
  outputs: WasmBandOutputs,
  exchange: [Float32Array, Float32Array] | null,
  barrier: () => void,
): void {
  band.configure(shape);
  const g = inputs.guide;
  if (g) band.copyGuide(g.image, g.mean, g.invCov);
  else band.computeGuide(inputs.image);
  band.init(inputs.unary);
  const { y0, y1, radius: r } = shape;
  for (let t = 0; t < T; t++) {
    const last = t === T - 1;
    band.iterate(t, last);
    if (last || exchange === null) continue;
    const which = (t + 1) % 2;
    const shared = exchange[which];
    // Rows the neighbours read: 2r next to each border (the whole band if it is thinner).
    if (y1 - y0 <= 4 * r) {
      band.rowsOut(which, y0, y1, shared);
    } else {
      band.rowsOut(which, y0, y0 + 2 * r, shared);
      band.rowsOut(which, y1 - 2 * r, y1, shared);
    }
    barrier();
    band.rowsIn(which, band.g0, y0, shared);
    band.rowsIn(which, y1, band.g1, shared);
  }
  band.rowsOut(T % 2, y0, y1, outputs.scores);
  band.labelsOut(outputs.labels);
}
