/**
 * The public API: `load()` a trained model, then `segment()` images.
 *
 * ```ts
 * import { load } from 'guideseg';
 * const segmenter = await load(); // the shipped CamVid model; or load('runs/camvid/final')
 * const { labels, width, height } = await segmenter.segment({ data: rgba, width: 480, height: 360 });
 * // The paper's pipeline: 6 candidates with learned combination, then the guidance CRF.
 * const best = await segmenter.segment(image, { ensemble: { combine: 'learned' }, crf: true });
 * ```
 */
import * as path from 'node:path';
import type { BackendName } from './engine/backend';
import { loadCrfWasm } from './crf/wasm/wasm_module';
import { labelColormap } from './data/palette';
import { rgbBytes, type PixelData } from './data/rgb';
import { initBackend } from './engine/backend';
import { loadCheckpoint } from './model/serialization';
import { shippedModelDir } from './model/shipped';
import type { NetworkRunner } from './ensemble/network';
import { createCrfRunner, defaultCrfThreads, type CrfRunner } from './pipeline/crf_runner';
import { inferenceSettingsFromMetadata, type StoredInferenceSettings } from './pipeline/model_settings';
import { predictScores } from './pipeline/predictor';
import { resolvePipeline, segmentChoices, type SegmentChoices } from './pipeline/resolve';
import { openNetwork, type RuntimeChoice } from './pipeline/runtime';

/** Pixels of an image: RGB or RGBA bytes, row-major (e.g. a browser `ImageData`). */
export type ImageInput = PixelData;

/** Test-time options of {@link Segmenter.segment}. */
/** Options of `segment` (see {@link SegmentChoices}). */
export type SegmentOptions = SegmentChoices;

/** What `segment` returns. */
export interface SegmentationResult {
  width: number;
  height: number;
  /** Class id of every pixel, row-major. */
  labels: Uint8Array;
  /** Final class scores (after the CRF, if any), width*height*classes, classes fastest. */
  scores: Float32Array;
  /** Combined unary U before the CRF (the same array as `scores` without CRF). */
  unary: Float32Array;
  /** Global (clsNet) scores per class; null for a baseline model. */
  globalScores: Float32Array | null;
}

/** A loaded model. */
export interface Segmenter {
  /** Class names; label ids index this list. */
  readonly classes: readonly string[];
  /** Display colour per class. */
  readonly palette: ReadonlyArray<readonly [number, number, number]>;
  /** CRF settings and learned combination weights stored with the model (absent ones undefined). */
  readonly stored: StoredInferenceSettings;
  /** Segments one image. */
  segment(image: ImageInput, options?: SegmentOptions): Promise<SegmentationResult>;
  /** Frees the model's tensors and stops the CRF threads. */
  dispose(): void;
}

export interface LoadOptions {
  /** tfjs backend (default `wasm`; `auto` prefers tfjs-node when installed). */
  backend?: BackendName;
  /** CPU threads of the guidance CRF (default: one per core). */
  threads?: number;
  /** What runs the network: `onnx` (ONNX Runtime), `tfjs`, or `auto` (default: onnx where onnxruntime-node is installed). */
  runtime?: RuntimeChoice;
  /** ONNX Runtime threads (default: one per core). */
  onnxThreads?: number;
}

/**
 * Loads a trained model from a checkpoint folder (model.json + weights.bin);
 * without one, the CamVid model shipped with the package.
 */
export async function load(checkpointDir: string = shippedModelDir(), options: LoadOptions = {}): Promise<Segmenter> {
  await initBackend(options.backend ?? 'wasm');
  // Compile the CRF's wasm kernel now, asynchronously (browsers limit synchronous compiles).
  await loadCrfWasm();
  const { model, metadata } = await loadCheckpoint(checkpointDir);
  const L = model.config.numClasses;
  let stored: StoredInferenceSettings;
  try {
    stored = inferenceSettingsFromMetadata(metadata, L, path.join(checkpointDir, 'model.json'));
  } catch (err) {
    model.dispose();
    throw err;
  }
  const classes = metadata?.classes ?? Array.from({ length: L }, (_, i) => `class ${i}`);
  const palette = metadata?.palette ?? labelColormap(L);
  const threads = options.threads ?? defaultCrfThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    model.dispose();
    throw new Error(`load: threads must be a positive integer, got ${threads}`);
  }
  let network: NetworkRunner;
  try {
    network = await openNetwork(model, checkpointDir, { runtime: options.runtime, onnxThreads: options.onnxThreads });
  } catch (err) {
    model.dispose();
    throw err;
  }
  // On ONNX Runtime the tfjs weights are no longer needed.
  if (network.runtime !== 'tfjs') model.dispose();
  return new LoadedSegmenter(network, network.runtime === 'tfjs' ? () => model.dispose() : () => {}, classes, palette, stored, threads);
}

class LoadedSegmenter implements Segmenter {
  private runner: Promise<CrfRunner> | null = null;

  constructor(
    private readonly network: NetworkRunner,
    private readonly disposeModel: () => void,
    readonly classes: readonly string[],
    readonly palette: ReadonlyArray<readonly [number, number, number]>,
    readonly stored: StoredInferenceSettings,
    private readonly threads: number,
  ) {}

  async segment(image: ImageInput, options: SegmentOptions = {}): Promise<SegmentationResult> {
    const { width, height } = image;
    const rgb = rgbBytes(image);
    const pipeline = resolvePipeline(segmentChoices(options, this.stored), this.stored);
    // The CRF threads start on first use and serve every later call.
    if (pipeline.crf && !this.runner) this.runner = createCrfRunner(this.threads);
    const crfRunner = pipeline.crf ? await this.runner! : undefined;
    const r = await predictScores(this.network, rgb, height, width, pipeline, { crfRunner });
    return { width, height, labels: r.labels, scores: r.scores, unary: r.unary, globalScores: r.global };
  }

  /** Which runtime runs the network. */
  get runtime(): string {
    return this.network.runtime;
  }

  dispose(): void {
    void this.network.release();
    this.disposeModel();
    // Workers are unref'd: closing in the background never holds the process.
    void this.runner?.then((r) => r.close());
    this.runner = null;
  }
}
