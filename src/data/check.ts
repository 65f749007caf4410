/**
 * A whole split read once, as training will read it, before any work: every
 * pair that cannot be read, whose sizes differ or whose label holds an id out
 * of range is reported, all in one pass (not only the first). The same pass
 * can hand each good sample to a visitor (data statistics).
 */
import type { Dataset, Sample } from './types';

/** One pair that training could not use. */
export interface BadSample {
  index: number;
  message: string;
}

/** What {@link scanDataset} calls along the way. */
export interface ScanHooks {
  /** Each sample read without error (any order). */
  onSample?: (sample: Sample, index: number) => void;
  onProgress?: (done: number, total: number) => void;
}

/** Reads every sample of `dataset` (4 at a time); returns the bad ones, in order. */
export async function scanDataset(dataset: Dataset, hooks: ScanHooks = {}): Promise<BadSample[]> {
  const bad: BadSample[] = [];
  const total = dataset.length;
  let done = 0;
  for (let start = 0; start < total; start += 4) {
    const indices = Array.from({ length: Math.min(4, total - start) }, (_, k) => start + k);
    await Promise.all(
      indices.map(async (index) => {
        try {
          const sample = await dataset.get(index);
          hooks.onSample?.(sample, index);
        } catch (err) {
          bad.push({ index, message: (err as Error).message });
        }
        hooks.onProgress?.(++done, total);
      }),
    );
  }
  return bad.sort((a, b) => a.index - b.index);
}

/** The bad samples of `dataset` (see {@link scanDataset}). */
export function findBadSamples(dataset: Dataset, onProgress?: (done: number, total: number) => void): Promise<BadSample[]> {
  return scanDataset(dataset, { onProgress });
}

/** The error of a split with bad samples: every one of them, one per line. */
export function badSamplesError(dataset: Dataset, bad: BadSample[]): Error {
  const lines = bad.map((b) => `  sample ${b.index}: ${b.message}`);
  return new Error(`${dataset.type}/${dataset.split}: ${bad.length} of ${dataset.length} samples cannot be used:\n${lines.join('\n')}`);
}
