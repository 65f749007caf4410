/**
 * ONNX Runtime (onnxruntime-node) sessions of exported guideseg networks. The
 * runtime is loaded on first use, so guideseg runs without it (on tfjs).
 */
import type * as ortTypes from 'onnxruntime-node';

type Ort = typeof ortTypes;
let ort: Ort | null | undefined;

/** onnxruntime-node, or null where it is not installed (or cannot load). */
export function onnxRuntime(): Ort | null {
  if (ort === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ort = require('onnxruntime-node') as Ort;
    } catch {
      ort = null;
    }
  }
  return ort;
}

/** onnxruntime-node, or an error that says how to get it. */
export function requireOnnxRuntime(): Ort {
  const runtime = onnxRuntime();
  if (runtime === null) throw new Error('runtime "onnx": onnxruntime-node is not installed or does not load here (npm install onnxruntime-node), or use --runtime tfjs');
  return runtime;
}

/** The session options guideseg runs networks with: CPU, all graph optimizations, `threads` intra-op threads. */
export function onnxSessionOptions(threads: number): ortTypes.InferenceSession.SessionOptions {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`ONNX Runtime threads must be a positive integer, got ${threads}`);
  return { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', executionProviders: ['cpu'] };
}

/** What a run of the network gives: U [n, height, width, L] and g [n, L] (null for a baseline). */
export interface NetworkOutput {
  unary: Float32Array;
  global: Float32Array | null;
}

/** An ONNX session of a guideseg network (the graph of model/onnx_export.ts). */
export class OnnxNetwork {
  private constructor(
    private readonly session: ortTypes.InferenceSession,
    private readonly runtime: Ort,
    readonly numClasses: number,
    readonly hasGlobal: boolean,
    readonly threads: number,
  ) {}

  /**
   * Opens `model` (file path or bytes; `source` names it in errors) with
   * `threads` intra-op threads. Checks that it is a guideseg network of L classes.
   */
  static async open(model: string | Uint8Array, source: string, threads: number, numClasses: number): Promise<OnnxNetwork> {
    const runtime = requireOnnxRuntime();
    const options = onnxSessionOptions(threads);
    let session: ortTypes.InferenceSession;
    try {
      session = typeof model === 'string' ? await runtime.InferenceSession.create(model, options) : await runtime.InferenceSession.create(model, options);
    } catch (err) {
      throw new Error(`${source}: ONNX Runtime cannot load it: ${(err as Error).message}`);
    }
    const inputs = [...session.inputNames].sort().join(', ');
    const outputs = new Set(session.outputNames);
    if (inputs !== 'image, size' || !outputs.has('unary')) {
      await session.release();
      throw new Error(`${source}: not a guideseg network (inputs: ${inputs || 'none'}; outputs: ${[...outputs].join(', ') || 'none'}; expected inputs image, size and output unary)`);
    }
    return new OnnxNetwork(session, runtime, numClasses, outputs.has('global'), threads);
  }

  /** Runs `n` images [n, height, width, 3] (RGB 0..255) and returns U at `outHeight` x `outWidth`. */
  async run(images: Float32Array, n: number, height: number, width: number, outHeight: number, outWidth: number): Promise<NetworkOutput> {
    const { Tensor } = this.runtime;
    const feeds = {
      image: new Tensor('float32', images, [n, height, width, 3]),
      size: new Tensor('int64', BigInt64Array.from([BigInt(outHeight), BigInt(outWidth)]), [2]),
    };
    const out = await this.session.run(feeds);
    const unary = out.unary;
    const L = this.numClasses;
    const want = [n, outHeight, outWidth, L];
    if (unary.dims.join(',') !== want.join(',')) throw new Error(`ONNX network: unary has shape [${unary.dims.join(', ')}], expected [${want.join(', ')}]`);
    const global = this.hasGlobal ? (out.global.data as Float32Array) : null;
    return { unary: unary.data as Float32Array, global };
  }

  /** Frees the session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
