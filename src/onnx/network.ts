/**
 * ONNX Runtime sessions of exported guideseg networks, on either build of the
 * runtime: onnxruntime-node (node_runtime.ts) or onnxruntime-web (the page).
 */
import type * as ortTypes from 'onnxruntime-common';

/** What guideseg uses of an ONNX Runtime build. */
export interface OrtModule {
  Tensor: typeof ortTypes.Tensor;
  InferenceSession: typeof ortTypes.InferenceSession;
}

/** What a run of the network gives: U [n, height, width, L] and g [n, L] (null for a baseline). */
export interface NetworkOutput {
  unary: Float32Array;
  global: Float32Array | null;
}

/** A guideseg network behind some runtime: U at a chosen size for a batch of images. */
export interface UnaryNetwork {
  readonly numClasses: number;
  readonly hasGlobal: boolean;
  /** Runs `n` images [n, height, width, 3] (RGB 0..255) and returns U at `outHeight` x `outWidth`. */
  run(images: Float32Array, n: number, height: number, width: number, outHeight: number, outWidth: number): Promise<NetworkOutput>;
  release(): Promise<void>;
}

/** The session options guideseg runs networks with: CPU, all graph optimizations, `threads` intra-op threads. */
export function onnxSessionOptions(threads: number): ortTypes.InferenceSession.SessionOptions {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`ONNX Runtime threads must be a positive integer, got ${threads}`);
  return { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', executionProviders: ['cpu'] };
}

/** An ONNX session of a guideseg network (the graph of model/onnx_export.ts). */
export class OnnxNetwork implements UnaryNetwork {
  private constructor(
    private readonly session: ortTypes.InferenceSession,
    private readonly runtime: OrtModule,
    readonly numClasses: number,
    readonly hasGlobal: boolean,
    readonly threads: number,
  ) {}

  /**
   * Opens `model` (file path or URL, or bytes; `source` names it in errors) on
   * `runtime` with `threads` intra-op threads. Checks that it is a guideseg network.
   */
  static async open(runtime: OrtModule, model: string | Uint8Array, source: string, threads: number, numClasses: number, options: ortTypes.InferenceSession.SessionOptions = onnxSessionOptions(threads)): Promise<OnnxNetwork> {
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
