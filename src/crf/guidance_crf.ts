/**
 * Guidance CRF with content-sensitive compatibility (docs/method.md §2), run
 * inline on the calling thread: one band, the whole image. `crf_pool.ts` runs
 * the same kernels on several threads (same results).
 */
import { PLAIN_MEMORY } from './band_kernel';
import type { CrfExecutor, CrfInput, CrfResult, CrfRunOptions } from './crf_input';
import { selectKernel } from './kernels';
import { resolveCrfSettings, type CrfSettings } from './settings';

/**
 * Runs T mean-field iterations of the guidance CRF on one image and returns the
 * final scores and labels. Cost O(H·W·L) per iteration whatever r.
 */
export function runGuidanceCrf(input: CrfInput, partialSettings: Partial<CrfSettings> = {}, options: CrfRunOptions = {}): CrfResult {
  const settings = resolveCrfSettings(partialSettings);
  const kernel = selectKernel(options.kernel, settings, input.numClasses);
  const { job, local } = kernel.prepare(input, settings, 1, PLAIN_MEMORY);
  kernel.runBand(job, 0, () => {}, local);
  return kernel.result(job, local);
}

/** The single-thread executor (no workers; also what runs in a browser page). */
export const INLINE_CRF: CrfExecutor = { threads: 1, run: runGuidanceCrf, close: async () => {} };
