/**
 * The network behind the test-time ensemble, on either runtime: tfjs (the
 * model's own modules, tfjs_runner.ts) or ONNX Runtime (its exported file,
 * here, with no Node or tfjs import: the browser page uses it too). Both give
 * the candidate unaries of one image at the image's size, in `candidateList`
 * order, and agree within float rounding (test/ensemble/network.test.ts).
 */
import type { UnaryNetwork } from '../onnx/network';
import { candidateList, checkCandidateInput, scaledSize, SINGLE_SCALE, type EnsembleOptions, type UnaryMap } from './candidates';
import { combineMaps, meanGlobalScores, type CandidateMaps } from './combine';
import { resizeRgbBilinear } from './resize';
import { slidingWindowMaps } from './sliding_window';

/** Which runtime runs the network. */
export type RuntimeName = 'tfjs' | 'onnx';

export interface NetworkRunner {
  readonly runtime: RuntimeName;
  readonly numClasses: number;
  /** The candidates' unaries [candidates, H, W, L] and global scores of one RGB image. */
  candidateMaps(image: Uint8Array, height: number, width: number, opts: Pick<EnsembleOptions, 'scales' | 'flip'>): Promise<CandidateMaps>;
  /** Frees what the runner holds (not the model: its owner disposes it). */
  release(): Promise<void>;
}

/** Mirrors `n` maps [n, H, W, C] left to right, in place. */
function flipWidth(data: Float32Array, n: number, height: number, width: number, channels: number): void {
  const row = width * channels;
  for (let r = 0; r < n * height; r++) {
    const o = r * row;
    for (let x = 0; x < width >> 1; x++) {
      const a = o + x * channels;
      const b = o + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) {
        const t = data[a + c];
        data[a + c] = data[b + c];
        data[b + c] = t;
      }
    }
  }
}

/** An RGB image as float32, resized by `scale` as every candidate is made. */
function scaledImage(image: Uint8Array, height: number, width: number, scale: number): { data: Float32Array; h: number; w: number } {
  if (scale === 1) return { data: Float32Array.from(image), h: height, w: width };
  const [h, w] = scaledSize(height, width, scale);
  return { data: resizeRgbBilinear(image, height, width, h, w), h, w };
}

/**
 * The network on ONNX Runtime. Each scale's candidates (the image and its
 * mirror) run as one batch; images are resized as the tfjs path resizes them
 * (ensemble/resize.ts).
 */
export function onnxRunner(network: UnaryNetwork): NetworkRunner {
  return {
    runtime: 'onnx',
    numClasses: network.numClasses,
    async candidateMaps(image, height, width, opts) {
      const L = network.numClasses;
      checkCandidateInput(image, height, width, L, opts);
      const candidates = candidateList(opts);
      const plane = height * width * L;
      // One candidate: the runtime's output array is the result, no copy.
      let unaries: Float32Array | null = candidates.length === 1 ? null : new Float32Array(candidates.length * plane);
      const globals = network.hasGlobal ? new Float32Array(candidates.length * L) : null;
      const perScale = opts.flip ? 2 : 1;
      for (let k = 0; k < opts.scales.length; k++) {
        const { data, h, w } = scaledImage(image, height, width, opts.scales[k]);
        const batch = new Float32Array(perScale * data.length);
        batch.set(data);
        if (opts.flip) {
          batch.set(data, data.length);
          flipWidth(batch.subarray(data.length), 1, h, w, 3);
        }
        const out = await network.run(batch, perScale, h, w, height, width);
        if (opts.flip) flipWidth(out.unary.subarray(plane), 1, height, width, L);
        if (unaries) unaries.set(out.unary, k * perScale * plane);
        else unaries = out.unary;
        if (globals && out.global) globals.set(out.global, k * perScale * L);
      }
      return { height, width, numClasses: L, candidates, unaries: unaries!, globals };
    },
    release: () => network.release(),
  };
}

/** The candidates' maps of one RGB image: whole, or from tiles when `opts.window` is set. */
export function imageCandidateMaps(network: NetworkRunner, image: Uint8Array, height: number, width: number, opts: Pick<EnsembleOptions, 'scales' | 'flip' | 'window'>): Promise<CandidateMaps> {
  const run = (img: Uint8Array, h: number, w: number) => network.candidateMaps(img, h, w, opts);
  return opts.window ? slidingWindowMaps(run, network.numClasses, image, height, width, opts.window) : run(image, height, width);
}

/** The ensemble's combined unary of one RGB image. */
export async function inferUnary(network: NetworkRunner, image: Uint8Array, height: number, width: number, opts: EnsembleOptions = SINGLE_SCALE): Promise<UnaryMap> {
  const maps = await imageCandidateMaps(network, image, height, width, opts);
  // One candidate combines to itself: no copy.
  const scores = maps.candidates.length === 1 && opts.combine !== 'learned' ? maps.unaries : combineMaps(maps, opts.combine, opts.learnedWeights);
  return { height, width, numClasses: maps.numClasses, scores, global: meanGlobalScores(maps) };
}
