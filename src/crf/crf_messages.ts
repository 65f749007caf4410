/** Messages between {@link GuidanceCrfPool} (crf_pool.ts) and its worker threads (crf_worker.ts). */
import type { BarrierOptions } from '../util/shared_barrier';
import type { CrfJob } from './band_kernel';

/** The pool's barrier: named in errors, and a stuck thread fails the run instead of hanging it. */
export const CRF_BARRIER: BarrierOptions = { what: 'guidance CRF', timeoutMs: 120_000 };

/** What the calling thread sends a worker for one run: its band of the job (all maps shared). */
export interface BandRunMessage {
  /** Band index (the calling thread runs band 0). */
  index: number;
  ctrl: Int32Array;
  /** Where a failing worker writes its error (the calling thread is blocked in the barrier). */
  errorText: Uint8Array;
  job: CrfJob;
}
