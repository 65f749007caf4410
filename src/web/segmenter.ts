/**
 * guideseg in the browser: `load()` a model exported for the web (its ONNX
 * network + model.json), then `segment()` images. The network runs on
 * onnxruntime-web (wasm, SIMD, threads when the page is cross-origin
 * isolated); the ensemble and the guidance CRF (its WebAssembly kernel) run in
 * the page. Nothing on this path imports Node or tfjs.
 */
import * as ort from 'onnxruntime-web';
import type { CrfSettings } from '../crf/settings';
import { loadCrfWasm } from '../crf/wasm/wasm_module';
import type { CombineMode } from '../ensemble/combine';
import { inferUnary, onnxRunner, type NetworkRunner } from '../ensemble/network';
import { rgbBytes } from '../data/rgb';
import { argmax } from '../eval/metrics_oracle';
import { OnnxNetwork, type OrtModule } from '../onnx/network';
import { INLINE_CRF_RUNNER } from '../pipeline/runner_of_executor';
import { inferenceSettingsFromMetadata, type StoredInferenceSettings } from '../pipeline/model_settings';
import { refineScores } from '../pipeline/refine';
import { resolvePipeline, segmentChoices, type SegmentChoices } from '../pipeline/resolve';

/** What `load` reads: the model folder's `model.json` (topology and metadata) and its exported network. */
export interface WebModelFiles {
  modelJson: { modelTopology: { numClasses: number; name?: string; variant?: string }; userDefinedMetadata?: Record<string, unknown> };
  onnx: Uint8Array;
}

export interface WebLoadOptions {
  /** Where onnxruntime-web finds its .wasm/.mjs files (default `ort/` beside the page). */
  wasmPaths?: string;
  /** Network threads (default: the cores, when the page is cross-origin isolated; else 1). */
  threads?: number;
  /** Download progress of the network, 0..1. */
  onProgress?: (fraction: number) => void;
}

/** Anything with RGBA pixels: `ImageData`, a canvas, an `<img>` (drawn to a canvas), or raw RGB(A) bytes. */
export type WebImage = ImageData | HTMLImageElement | HTMLCanvasElement | ImageBitmap | { data: Uint8Array | Uint8ClampedArray; width: number; height: number };

/** Options of `segment`: the same as `load()`'s in Node (see {@link SegmentChoices}). */
export type WebSegmentOptions = SegmentChoices;

export interface WebSegmentation {
  width: number;
  height: number;
  /** Final labels (after the CRF when on). */
  labels: Uint8Array;
  /** argmax of the unary, before the CRF. */
  unaryLabels: Uint8Array;
  /** Global scores g (null for a baseline model). */
  globalScores: Float32Array | null;
  /** Milliseconds: the network (all candidates and their combination) and the CRF. */
  timings: { network: number; crf: number };
  /** What ran: candidates and CRF settings. */
  pipeline: { scales: number[]; flip: boolean; combine: CombineMode; crf: CrfSettings | null };
}

export interface WebSegmenter {
  readonly name: string;
  readonly classes: readonly string[];
  readonly palette: ReadonlyArray<readonly [number, number, number]>;
  readonly stored: StoredInferenceSettings;
  /** Network threads in use. */
  readonly threads: number;
  segment(image: WebImage, options?: WebSegmentOptions): Promise<WebSegmentation>;
  dispose(): Promise<void>;
}

/** Bytes of `url`, reporting progress where the server gives a length. */
async function fetchBytes(url: string, onProgress?: (fraction: number) => void): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  if (!response.body || !total) return new Uint8Array(await response.arrayBuffer());
  const bytes = new Uint8Array(total);
  const reader = response.body.getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes.set(value, received);
    received += value.length;
    onProgress?.(received / total);
  }
  return bytes.subarray(0, received);
}

/** RGB bytes of an image: raw pixels as they are, elements drawn to a canvas first. */
function rgbOf(image: WebImage): { rgb: Uint8Array; width: number; height: number } {
  if ('data' in image) return { rgb: rgbBytes(image), width: image.width, height: image.height };
  const width = 'naturalWidth' in image ? image.naturalWidth : image.width;
  const height = 'naturalHeight' in image ? image.naturalHeight : image.height;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('segment: no 2D canvas to read the image');
  ctx.drawImage(image, 0, 0);
  return { rgb: rgbBytes(ctx.getImageData(0, 0, width, height)), width, height };
}

/**
 * Loads a model: `source` is the URL of a folder holding `model.json` and
 * `model.onnx` (as `npm run web` serves the shipped one), or the files themselves.
 */
export async function load(source: string | WebModelFiles, options: WebLoadOptions = {}): Promise<WebSegmenter> {
  const base = typeof source === 'string' ? source.replace(/\/?$/, '/') : '';
  const files: WebModelFiles =
    typeof source === 'string'
      ? {
          modelJson: await (async () => {
            const r = await fetch(`${base}model.json`);
            if (!r.ok) throw new Error(`${base}model.json: HTTP ${r.status}`);
            return r.json();
          })(),
          onnx: await fetchBytes(`${base}model.onnx`, options.onProgress),
        }
      : source;
  const topology = files.modelJson.modelTopology;
  const L = topology?.numClasses;
  if (!Number.isInteger(L) || L < 1) throw new Error('model.json: modelTopology.numClasses is missing');
  const metadata = files.modelJson.userDefinedMetadata;
  const stored = inferenceSettingsFromMetadata(metadata, L, 'model.json');
  const classes = Array.isArray(metadata?.classes) ? (metadata.classes as string[]) : Array.from({ length: L }, (_, i) => `class ${i}`);
  const palette = (Array.isArray(metadata?.palette) ? metadata.palette : classes.map(() => [128, 128, 128])) as Array<[number, number, number]>;
  ort.env.wasm.wasmPaths = options.wasmPaths ?? new URL('ort/', document.baseURI).href;
  const isolated = typeof crossOriginIsolated === 'boolean' && crossOriginIsolated;
  const threads = options.threads ?? (isolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1);
  ort.env.wasm.numThreads = threads;
  await loadCrfWasm();
  const network = await OnnxNetwork.open(ort as unknown as OrtModule, files.onnx, 'model.onnx', threads, L, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const runner: NetworkRunner = onnxRunner(network);
  return {
    name: topology.name ?? 'model',
    classes,
    palette,
    stored,
    threads,
    async segment(image, segmentOptions = {}) {
      const { rgb, width, height } = rgbOf(image);
      const pipeline = resolvePipeline(segmentChoices(segmentOptions, stored), stored);
      const t0 = performance.now();
      const u = await inferUnary(runner, rgb, height, width, pipeline.ensemble);
      const t1 = performance.now();
      const scores = refineScores({ image: rgb, height, width, numClasses: L, unary: u.scores, global: u.global }, pipeline.crf ?? null, INLINE_CRF_RUNNER);
      const t2 = performance.now();
      const { scales, flip, combine } = pipeline.ensemble;
      return {
        width,
        height,
        labels: argmax(scores, L),
        unaryLabels: argmax(u.scores, L),
        globalScores: u.global,
        timings: { network: t1 - t0, crf: t2 - t1 },
        pipeline: { scales, flip, combine, crf: pipeline.crf ?? null },
      };
    },
    dispose: () => runner.release(),
  };
}
