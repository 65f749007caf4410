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
import { isShared, ReusedSharedMemory } from './band_kernel';
import { CRF_BARRIER, type BandRunMessage } from './crf_messages';
import type { CrfExecutor, CrfInput, CrfResult, CrfRunOptions } from './crf_input';
import { selectKernel } from './kernels';
import { resolveCrfSettings, type CrfSettings } from './settings';

function spawnWorker(): Worker {
  return spawnScriptWorker(path.join(__dirname, 'crf_worker'), __filename, undefined);
}

/** A copy the caller owns of a map the pool reuses for the next image. */
function owned<A extends Float32Array | Uint8Array>(a: A): A {
  return (isShared(a) ? a.slice() : a) as A;
}

/** A pool of worker threads running the guidance CRF on several cores. Reuse it across images. */
export class GuidanceCrfPool implements CrfExecutor {
  readonly threads: number;
  private readonly workers: Worker[];
  private readonly ctrl = createBarrierControl();
  private readonly errorText = new Uint8Array(new SharedArrayBuffer(1024));
  /** Shared maps by name, reused while their size stays the same. */
  private readonly memory = new ReusedSharedMemory();
  private closed = false;
  private lostWorker: Error | null = null;

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
   * Runs the CRF on one image (blocks the calling thread, which runs band 0
   * meanwhile). Same inputs, settings and results as `runGuidanceCrf`;
   * a shared-memory `unary` or `guide` is used without copying.
   */
  run(input: CrfInput, partialSettings: Partial<CrfSettings> = {}, options: CrfRunOptions = {}): CrfResult {
    if (this.closed) throw new Error('GuidanceCrfPool: run() after close()');
    if (this.lostWorker) throw new Error(`GuidanceCrfPool: a worker died: ${this.lostWorker.message}`);
    const settings = resolveCrfSettings(partialSettings);
    const kernel = selectKernel(options.kernel ?? this.options.kernel, settings, input.numClasses);
    const { job, local } = kernel.prepare(input, settings, this.threads, this.memory);
    const barrier = new SharedBarrier(this.ctrl, this.threads, CRF_BARRIER);
    barrier.reset();
    this.errorText.fill(0);
    this.workers.forEach((w, i) => {
      const msg: BandRunMessage = { index: i + 1, ctrl: this.ctrl, errorText: this.errorText, job };
      w.postMessage(msg);
    });
    this.onMainThread(barrier, () => kernel.runBand(job, 0, () => barrier.wait(), local));
    const result = kernel.result(job, local);
    return { scores: owned(result.scores), labels: owned(result.labels) };
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
}
