/**
 * Multi-threaded guidance CRF: the image rows are split into bands, one per
 * thread (the calling thread takes the first), sharing all maps through
 * SharedArrayBuffers. Each band recomputes the 2r-row halo it needs, so the
 * result equals the single-thread one up to float rounding (≈1e-7).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createBarrierControl, SharedBarrier } from '../util/shared_barrier';
import { spawnScriptWorker } from '../util/spawn_worker';
import { CRF_BARRIER, type WasmWorkerRunMessage, type WorkerRunMessage } from './crf_messages';
import { checkCrfInput, fastBuffers, validateCrfInput, wasmShape, type CrfInput, type CrfResult } from './guidance_crf';
import { usesWasmKernel, type CrfRunOptions } from './kernel';
import { WasmBand } from './wasm/wasm_band';
import { runWasmBand } from './wasm/wasm_mean_field';
import type { Guide, GuideAllocator } from './guide';
import { MeanFieldEngine, runMeanFieldBand, splitBands, splitRows, type MeanFieldBuffers } from './mean_field';
import { resolveCrfSettings, type CrfSettings } from './settings';

function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

function sharedF32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * 8));
}

/** A copy of the guide whose big maps live in shared memory (the guide itself if they already do). */
function shareGuide(g: Guide, allocate: GuideAllocator, prefix = ''): Guide {
  if (isShared(g.image)) return g;
  const copy = <T extends Float32Array | Float64Array>(name: string, a: T): T => {
    const b = allocate(prefix + name, a.length, a instanceof Float32Array ? 'float32' : 'float64') as T;
    b.set(a);
    return b;
  };
  return {
    ...g,
    image: copy('image', g.image),
    mean: copy('mean', g.mean),
    invCov: copy('invCov', g.invCov),
    low: g.low ? shareGuide(g.low, allocate, `${prefix}low.`) : null,
  };
}

function spawnWorker(): Worker {
  return spawnScriptWorker(path.join(__dirname, 'crf_worker'), __filename, undefined);
}

/** A pool of worker threads running the guidance CRF on several cores. Reuse it across images. */
export class GuidanceCrfPool {
  readonly threads: number;
  private readonly workers: Worker[];
  private readonly ctrl = createBarrierControl();
  private readonly errorText = new Uint8Array(new SharedArrayBuffer(1024));
  private cache: MeanFieldBuffers | null = null;
  /** Shared guide maps by name, reused while their size stays the same (allocating shared memory is slow). */
  private readonly guideMaps = new Map<string, Float32Array | Float64Array>();
  private readonly guideAllocator: GuideAllocator = (name, length, type) => {
    const old = this.guideMaps.get(name);
    const fits = old !== undefined && old.length === length && (type === 'float32') === old instanceof Float32Array;
    if (fits) return old;
    const a = type === 'float32' ? sharedF32(length) : sharedF64(length);
    this.guideMaps.set(name, a);
    return a;
  };
  private closed = false;
  private lostWorker: Error | null = null;
  /** The calling thread's kernel instance (wasm kernel), reused across images. */
  private mainBand: WasmBand | null = null;
  private sharedImage: Float32Array | null = null;

  private constructor(
    threads: number,
    workers: Worker[],
    private readonly options: CrfRunOptions,
  ) {
    this.threads = threads;
    this.workers = workers;
  }

  /**
   * Starts `threads − 1` workers (the caller's thread is the last one); default:
   * one per CPU. `options.kernel` is the default of every run.
   */
  static async create(threads: number = os.availableParallelism(), options: CrfRunOptions = {}): Promise<GuidanceCrfPool> {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`GuidanceCrfPool: threads must be >= 1, got ${threads}`);
    const workers: Worker[] = [];
    try {
      await Promise.all(
        Array.from({ length: threads - 1 }, async () => {
          const w = spawnWorker();
          workers.push(w);
          await new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
          });
          // An idle pool must not keep the process alive.
          w.unref();
        }),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw new Error(`GuidanceCrfPool: a worker failed to start: ${(err as Error).message}`);
    }
    const pool = new GuidanceCrfPool(threads, workers, options);
    // A worker that dies outside a run is reported by the next run instead of crashing the process.
    for (const w of workers) w.on('error', (err) => (pool.lostWorker = err));
    return pool;
  }

  /**
   * Runs the CRF on one image (blocks the calling thread, which filters its own
   * band meanwhile). Same inputs, settings and results as `runGuidanceCrf`;
   * a shared-memory `unary` or `guide` is used without copying.
   */
  run(input: CrfInput, partialSettings: Partial<CrfSettings> = {}, options: CrfRunOptions = {}): CrfResult {
    if (this.closed) throw new Error('GuidanceCrfPool: run() after close()');
    if (this.lostWorker) throw new Error(`GuidanceCrfPool: a worker died: ${this.lostWorker.message}`);
    const settings = resolveCrfSettings(partialSettings);
    if (usesWasmKernel(options.kernel ?? this.options.kernel, settings, input.numClasses)) return this.runWasm(input, settings);
    const guide = shareGuide(checkCrfInput(input, settings, this.guideAllocator), this.guideAllocator);
    const L = input.numClasses;
    const buffers = this.buffersFor(input.unary, guide.height * guide.width, guide.low ? guide.low.height * guide.low.width : 0, L);
    const lp = settings.lambda !== 0 && input.logPresence ? Float64Array.from(input.logPresence) : null;
    const bands = splitBands(guide, this.threads);
    const barrier = new SharedBarrier(this.ctrl, this.threads, CRF_BARRIER);
    barrier.reset();
    this.errorText.fill(0);
    this.workers.forEach((w, i) => {
      const msg: WorkerRunMessage = {
        kernel: 'js',
        index: i + 1,
        parties: this.threads,
        ctrl: this.ctrl,
        errorText: this.errorText,
        guide,
        numClasses: L,
        buffers,
        settings,
        logPresence: lp,
        band: bands[i + 1],
      };
      w.postMessage(msg);
    });
    this.onMainThread(barrier, () => {
      const engine = new MeanFieldEngine(guide, L, buffers, settings, lp);
      runMeanFieldBand(engine, bands[0], () => barrier.wait());
    });
    return { scores: buffers.q[settings.T % 2].slice(), labels: buffers.labels.slice() };
  }

  /**
   * Run on the WebAssembly kernel: every thread computes its band's guide
   * statistics (unless a guide is given) and keeps its band in its own
   * instance; the calling thread's band goes straight into the result arrays,
   * the workers' bands through shared memory.
   */
  private runWasm(input: CrfInput, settings: CrfSettings): CrfResult {
    const given = validateCrfInput(input, settings);
    const guide = given ? shareGuide(given, this.guideAllocator) : null;
    const { height: H, width: W, numClasses: L } = input;
    const n = H * W;
    const bands = splitRows(H, this.threads);
    const buffers = this.buffersFor(null, n, 0, L);
    // Workers read rows from their first halo row down (bands are in row order, the caller's first).
    const from = this.threads > 1 ? Math.max(0, bands[1].y0 - 2 * settings.r) : H;
    let unary = input.unary;
    if (!isShared(unary)) {
      buffers.unary.set(unary.subarray(from * W * L), from * W * L);
      unary = buffers.unary;
    }
    if (this.sharedImage?.length !== n * 3) this.sharedImage = sharedF32(n * 3);
    if (guide === null) this.sharedImage.set(input.image.subarray(from * W * 3), from * W * 3);
    const barrier = new SharedBarrier(this.ctrl, this.threads, CRF_BARRIER);
    barrier.reset();
    this.errorText.fill(0);
    const exchange = buffers.q;
    this.workers.forEach((w, i) => {
      const band = bands[i + 1];
      const msg: WasmWorkerRunMessage = {
        kernel: 'wasm',
        index: i + 1,
        parties: this.threads,
        ctrl: this.ctrl,
        errorText: this.errorText,
        shape: wasmShape(input, settings, band.y0, band.y1),
        T: settings.T,
        image: this.sharedImage as Float32Array,
        guide,
        unary,
        exchange,
        labels: buffers.labels,
      };
      w.postMessage(msg);
    });
    const result = { scores: new Float32Array(n * L), labels: new Uint8Array(n) };
    this.onMainThread(barrier, () => {
      this.mainBand ??= new WasmBand();
      const shape = wasmShape(input, settings, bands[0].y0, bands[0].y1);
      runWasmBand(this.mainBand, shape, settings.T, { image: input.image, guide, unary: input.unary }, result, exchange, () => barrier.wait());
    });
    const y0 = bands.length > 1 ? bands[1].y0 : H;
    result.scores.set(exchange[settings.T % 2].subarray(y0 * W * L), y0 * W * L);
    result.labels.set(buffers.labels.subarray(y0 * W), y0 * W);
    return result;
  }

  /** Runs the calling thread's band, then waits for every worker; reports the first error of any thread. */
  private onMainThread(barrier: SharedBarrier, band: () => void): void {
    try {
      band();
      barrier.wait();
    } catch (err) {
      barrier.abort();
      const end = this.errorText.indexOf(0);
      const text = new TextDecoder().decode(this.errorText.slice(0, end < 0 ? undefined : end));
      throw new Error(text ? `guidance CRF ${text}` : (err as Error).message);
    }
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Shared maps for this image size, reused while the size stays the same. */
  private buffersFor(unary: Float32Array | null, n: number, nLow: number, L: number): MeanFieldBuffers {
    let c = this.cache;
    const fits =
      c !== null &&
      c.q[0].length === n * L &&
      c.labels.length === n &&
      (nLow === 0 ? c.fast === null : c.fast !== null && c.fast.pLow.length === nLow * Math.max(1, L - 1));
    if (!fits) {
      c = {
        unary: sharedF32(n * L),
        q: [sharedF32(n * L), sharedF32(n * L)],
        labels: new Uint8Array(new SharedArrayBuffer(n)),
        fast: nLow > 0 ? fastBuffers(nLow, L, sharedF32, sharedF64) : null,
      };
      this.cache = c;
    }
    const own = c as MeanFieldBuffers;
    if (unary === null) return own;
    if (isShared(unary)) return { ...own, unary };
    own.unary.set(unary);
    return own;
  }
}
