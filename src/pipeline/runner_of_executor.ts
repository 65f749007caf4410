/**
 * The CrfRunner interface and the runner made from a CRF executor, with no
 * Node import: the browser entry runs the CRF inline through it, and
 * crf_runner.ts gives it a worker pool.
 */
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

/** A runner on `executor` with `threads` threads (guides in shared memory when there are several). */
export function runnerOfExecutor(executor: CrfExecutor, threads: number): CrfRunner {
  return {
    threads,
    run: (input, settings) => executor.run(input, settings),
    prepareGuide: (image, height, width, s) => prepareGuide(image, height, width, s.r, s.eps, { subsample: s.subsample, shared: threads > 1 }),
    close: () => executor.close(),
  };
}

/** The CRF on the calling thread. */
export const INLINE_CRF_RUNNER: CrfRunner = runnerOfExecutor(INLINE_CRF, 1);
