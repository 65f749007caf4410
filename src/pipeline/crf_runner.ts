/**
 * Runs the guidance CRF on the calling thread (1 thread) or on a
 * {@link GuidanceCrfPool} (several), behind one interface, with guides prepared
 * once per image and reused across settings that share r, ε and subsample.
 */
import * as os from 'node:os';
import { GuidanceCrfPool } from '../crf/crf_pool';
import type { Guide } from '../crf/guide';
import type { CrfSettings } from '../crf/settings';
import { INLINE_CRF_RUNNER, runnerOfExecutor, type CrfRunner } from './runner_of_executor';

export type { CrfRunner };

/** Default thread count: one per CPU core. */
export function defaultCrfThreads(): number {
  return os.availableParallelism();
}

/** A runner with `threads` threads (1: plain single-thread code, no workers). */
export async function createCrfRunner(threads: number = defaultCrfThreads()): Promise<CrfRunner> {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`CRF threads must be a positive integer, got ${threads}`);
  return threads > 1 ? runnerOfExecutor(await GuidanceCrfPool.create(threads), threads) : INLINE_CRF_RUNNER;
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
