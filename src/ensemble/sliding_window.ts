/**
 * Sliding-window inference for images larger than the network should see at
 * once (Cityscapes' 1024×2048): overlapping tiles of the window's size, each
 * through every candidate, their unaries averaged where tiles overlap and
 * their global scores averaged over tiles. Plain arrays; both runtimes and
 * the browser use it.
 */
import type { CandidateMaps } from './combine';

/** Candidate maps of one image (a NetworkRunner's `candidateMaps` with its options bound). */
export type TileMaps = (image: Uint8Array, height: number, width: number) => Promise<CandidateMaps>;

/** Tile size in pixels; tiles step by about 2/3 of it. */
export interface WindowSize {
  height: number;
  width: number;
}

/** Tile origins along one axis of `size` pixels: 0, stride, …, the last flush with the end. */
export function windowOrigins(size: number, window: number): number[] {
  if (window >= size) return [0];
  const stride = Math.max(1, Math.ceil((2 * window) / 3));
  const last = size - window;
  const steps = Math.ceil(last / stride);
  return Array.from({ length: steps + 1 }, (_, k) => Math.min(k * stride, last));
}

/** Copies rows [y0, y0+h) × columns [x0, x0+w) of an H×W×C map. */
function crop(src: Uint8Array, width: number, channels: number, y0: number, x0: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(h * w * channels);
  for (let y = 0; y < h; y++) out.set(src.subarray(((y0 + y) * width + x0) * channels, ((y0 + y) * width + x0 + w) * channels), y * w * channels);
  return out;
}

/** The candidates' maps of a whole image from overlapping tiles of `window`. */
export async function slidingWindowMaps(run: TileMaps, numClasses: number, image: Uint8Array, height: number, width: number, window: WindowSize): Promise<CandidateMaps> {
  if (!(Number.isInteger(window.height) && Number.isInteger(window.width) && window.height > 0 && window.width > 0)) {
    throw new Error(`window must be positive whole pixels, got ${window.height}x${window.width}`);
  }
  const ys = windowOrigins(height, window.height);
  const xs = windowOrigins(width, window.width);
  if (ys.length === 1 && xs.length === 1) return run(image, height, width);
  const L = numClasses;
  const th = Math.min(window.height, height);
  const tw = Math.min(window.width, width);
  const count = new Uint16Array(height * width);
  let unaries: Float32Array | null = null;
  let globals: Float32Array | null = null;
  let candidates: CandidateMaps['candidates'] = [];
  for (const y0 of ys) {
    for (const x0 of xs) {
      const tile = await run(crop(image, width, 3, y0, x0, th, tw), th, tw);
      candidates = tile.candidates;
      const n = candidates.length;
      unaries ??= new Float32Array(n * height * width * L);
      if (tile.globals) {
        globals ??= new Float32Array(tile.globals.length);
        for (let k = 0; k < globals.length; k++) globals[k] += tile.globals[k];
      }
      for (let c = 0; c < n; c++) {
        for (let y = 0; y < th; y++) {
          const from = ((c * th + y) * tw) * L;
          const to = ((c * height + y0 + y) * width + x0) * L;
          for (let k = 0; k < tw * L; k++) unaries[to + k] += tile.unaries[from + k];
        }
      }
      for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) count[(y0 + y) * width + x0 + x]++;
    }
  }
  const plane = height * width;
  for (let c = 0; c < candidates.length; c++) {
    for (let p = 0; p < plane; p++) {
      const inv = 1 / count[p];
      const o = (c * plane + p) * L;
      for (let l = 0; l < L; l++) unaries![o + l] *= inv;
    }
  }
  if (globals) for (let k = 0; k < globals.length; k++) globals[k] /= ys.length * xs.length;
  return { height, width, numClasses: L, candidates, unaries: unaries!, globals };
}
