/**
 * Runs the guidance CRF on the calling thread (1 thread) or on a
 * {@link GuidanceCrfPool} (several), behind one interface, with guides prepared
 * once per image and reused across settings that share r, ε and subsample.
 */
import * as os from 'node:os';
import { GuidanceCrfPool } from '../crf/crf_pool';
import type { CrfExecutor, CrfInput, CrfResult } from '../crf/crf_input';
import { INLINE_CRF } from '../crf/guidance_crf';
import { prepareGuide } from '../crf/guided_filter';
import type { Guide } from '../crf/guide';
import type { CrfSettings } from '../crf/settings';

/** Runs the CRF on one image at a time. */
export interface CrfRunner {
  readonly threads: number;
  /** Same inputs and results as `runGuidanceCrf`. */
  run(input: CrfInput, settings: CrfSettings): CrfResult;
  /** Guide of an image for settings' r, ε and subsample (shared memory when the runner has worker threads). */
  prepareGuide(image: Uint8Array, height: number, width: number, settings: CrfSettings): Guide;
  /** Stops worker threads, if any. */
  close(): Promise<void>;
}

/** Default thread count: one per CPU core. */
export function defaultCrfThreads(): number {
  return os.availableParallelism();
}

/** A runner with `threads` threads (1: plain single-thread code, no workers). */
export async function createCrfRunner(threads: number = defaultCrfThreads()): Promise<CrfRunner> {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`CRF threads must be a positive integer, got ${threads}`);
  const executor: CrfExecutor = threads > 1 ? await GuidanceCrfPool.create(threads) : INLINE_CRF;
  return {
    threads,
    run: (input, settings) => executor.run(input, settings),
    prepareGuide: (image, height, width, s) => prepareGuide(image, height, width, s.r, s.eps, { subsample: s.subsample, shared: threads > 1 }),
    close: () => executor.close(),
  };
}

/**
 * Caches one image's guides by (r, ε, subsample), so several CRF settings share
 * them; keeps the `capacity` most recently used (a CamVid guide is ~14 MB).
 */
export class GuideCache {
  private readonly guides = new Map<string, Guide>();

  constructor(
    private readonly runner: CrfRunner,
    readonly image: Uint8Array,
    readonly height: number,
    readonly width: number,
    private readonly capacity = Infinity,
  ) {}

  /** The guide for these settings (prepared on first use). */
  get(settings: CrfSettings): Guide {
    const key = `${settings.r}/${settings.eps}/${settings.subsample}`;
    let g = this.guides.get(key);
    if (g) {
      // Re-insert: Map iteration order is the use order, oldest first.
      this.guides.delete(key);
    } else {
      while (this.guides.size > 0 && this.guides.size >= this.capacity) this.guides.delete(this.guides.keys().next().value as string);
      g = this.runner.prepareGuide(this.image, this.height, this.width, settings);
    }
    this.guides.set(key, g);
    return g;
  }
}
