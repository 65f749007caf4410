/**
 * The public API: `load()` a trained model, then `segment()` images.
 *
 * ```ts
 * import { load } from 'guideseg';
 * const segmenter = await load('runs/camvid/final');
 * const { labels, width, height } = await segmenter.segment({ data: rgba, width: 480, height: 360 });
 * ```
 */
import type { BackendName } from './config/schema';
import { labelColormap } from './data/palette';
import { initBackend } from './engine/backend';
import { SINGLE_SCALE, SIX_CANDIDATES, type CombineMode } from './ensemble/infer';
import { argmax } from './eval/metrics_oracle';
import { loadCheckpoint } from './model/serialization';
import type { Segmentor } from './model/types';
import { predictScores } from './pipeline/predictor';

/** Pixels of an image: RGB or RGBA bytes, row-major (e.g. a browser `ImageData`). */
export interface ImageInput {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** Test-time options of {@link Segmenter.segment}. */
export interface SegmentOptions {
  /**
   * Multiple reinitialization: `true` for the paper's 6 candidates (scales
   * 1.2/1.0/0.8 × flip), or explicit scales. Default: one candidate.
   */
  ensemble?: boolean | { scales: number[]; flip?: boolean; combine?: Exclude<CombineMode, 'learned'> };
}

/** What `segment` returns. */
export interface SegmentationResult {
  width: number;
  height: number;
  /** Class id of every pixel, row-major. */
  labels: Uint8Array;
  /** Class scores (unary U), width*height*classes, classes fastest. */
  scores: Float32Array;
  /** Global (clsNet) scores per class; null for a baseline model. */
  globalScores: Float32Array | null;
}

/** A loaded model. */
export interface Segmenter {
  /** Class names; label ids index this list. */
  readonly classes: readonly string[];
  /** Display colour per class. */
  readonly palette: ReadonlyArray<readonly [number, number, number]>;
  /** Segments one image. */
  segment(image: ImageInput, options?: SegmentOptions): Promise<SegmentationResult>;
  /** Frees the model's tensors. */
  dispose(): void;
}

export interface LoadOptions {
  /** tfjs backend (default `wasm`; `auto` prefers tfjs-node when installed). */
  backend?: BackendName;
}

/** Loads a trained model from a checkpoint folder (model.json + weights.bin). */
export async function load(checkpointDir: string, options: LoadOptions = {}): Promise<Segmenter> {
  await initBackend(options.backend ?? 'wasm');
  const { model, metadata } = await loadCheckpoint(checkpointDir);
  const L = model.config.numClasses;
  const classes = (metadata?.classes as string[] | undefined) ?? Array.from({ length: L }, (_, i) => `class ${i}`);
  const palette = (metadata?.palette as Array<[number, number, number]> | undefined) ?? labelColormap(L);
  return new LoadedSegmenter(model, classes, palette);
}

class LoadedSegmenter implements Segmenter {
  constructor(
    private readonly model: Segmentor,
    readonly classes: readonly string[],
    readonly palette: ReadonlyArray<readonly [number, number, number]>,
  ) {}

  async segment(image: ImageInput, options: SegmentOptions = {}): Promise<SegmentationResult> {
    const { width, height } = image;
    const rgb = toRgb(image);
    const e = options.ensemble;
    const ensemble =
      e === true ? SIX_CANDIDATES : e ? { scales: e.scales, flip: Boolean(e.flip), combine: e.combine ?? 'avg' } : SINGLE_SCALE;
    const unary = predictScores(this.model, rgb, height, width, { ensemble });
    return { width, height, labels: argmax(unary.scores, unary.numClasses), scores: unary.scores, globalScores: unary.global };
  }

  dispose(): void {
    this.model.dispose();
  }
}

function toRgb(image: ImageInput): Uint8Array {
  const pixels = image.width * image.height;
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || pixels <= 0) {
    throw new Error(`image size must be positive integers, got ${image.width}×${image.height}`);
  }
  if (image.data.length === pixels * 3) return Uint8Array.from(image.data);
  if (image.data.length !== pixels * 4) {
    throw new Error(`image data has ${image.data.length} bytes; expected ${pixels * 3} (RGB) or ${pixels * 4} (RGBA)`);
  }
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    rgb[3 * i] = image.data[4 * i];
    rgb[3 * i + 1] = image.data[4 * i + 1];
    rgb[3 * i + 2] = image.data[4 * i + 2];
  }
  return rgb;
}
