/**
 * A whole split read once, as training will read it, before any work: every
 * pair that cannot be read, whose sizes differ or whose label holds an id out
 * of range is reported, all in one pass (not only the first).
 */
import type { Dataset } from './types';

/** One pair that training could not use. */
export interface BadSample {
  index: number;
  message: string;
}

/** Reads every sample of `dataset` (4 at a time); returns the bad ones, in order. */
export async function findBadSamples(dataset: Dataset, onProgress?: (done: number, total: number) => void): Promise<BadSample[]> {
  const bad: BadSample[] = [];
  const total = dataset.length;
  let done = 0;
  for (let start = 0; start < total; start += 4) {
    const indices = Array.from({ length: Math.min(4, total - start) }, (_, k) => start + k);
    await Promise.all(
      indices.map(async (index) => {
        try {
          await dataset.get(index);
        } catch (err) {
          bad.push({ index, message: (err as Error).message });
        }
        onProgress?.(++done, total);
      }),
    );
  }
  return bad.sort((a, b) => a.index - b.index);
}

/** The error of a split with bad samples: every one of them, one per line. */
export function badSamplesError(dataset: Dataset, bad: BadSample[]): Error {
  const lines = bad.map((b) => `  sample ${b.index}: ${b.message}`);
  return new Error(`${dataset.type}/${dataset.split}: ${bad.length} of ${dataset.length} samples cannot be used:\n${lines.join('\n')}`);
}
