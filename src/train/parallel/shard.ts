/**
 * Splitting an SGD batch among workers, and the weights that make the sum of
 * the workers' losses equal the joint loss of the whole batch: the CE is a
 * mean over the batch's non-ignored pixels, so worker k's CE (a mean over
 * its own n_k valid pixels) weighs n_k / n (with class weights, n counts
 * each pixel by its class's weight); the BCE is a mean over batch × L, so
 * worker k's weighs b_k / B.
 */
import { IGNORE_INDEX } from '../../data/types';
import type { Batch } from '../train_step';

/** One worker's part of a batch. */
export interface Shard {
  /** Index of the shard's first sample in the batch. */
  offset: number;
  /** Samples in the shard. */
  count: number;
  /** Weight of the shard's CE term (its share of the batch's valid pixels). */
  ceWeight: number;
  /** Weight of the shard's BCE term, and of its BatchNorm running statistics (its share of the samples). */
  sampleShare: number;
}

/**
 * Contiguous shards of `batch` for `workers` workers (sizes differ by at
 * most one, larger first), the CE shares counted with `classWeights` when
 * given. Throws when the batch has fewer samples than workers.
 */
export function shardBatch(batch: Batch, workers: number, classWeights?: ArrayLike<number>): Shard[] {
  const b = batch.batchSize;
  if (b < workers) throw new Error(`train.batchSize (${b}) must be at least train.workers (${workers}): every worker needs a sample`);
  const pixels = batch.height * batch.width;
  const valid: number[] = [];
  const shards: Array<{ offset: number; count: number }> = [];
  let offset = 0;
  for (let k = 0; k < workers; k++) {
    const count = Math.floor(b / workers) + (k < b % workers ? 1 : 0);
    let n = 0;
    for (let i = offset * pixels, end = (offset + count) * pixels; i < end; i++) {
      const label = batch.labels[i];
      if (label !== IGNORE_INDEX) n += classWeights ? classWeights[label] : 1;
    }
    shards.push({ offset, count });
    valid.push(n);
    offset += count;
  }
  const total = valid.reduce((a, n) => a + n, 0);
  // An all-ignore batch has CE 0 (crossEntropy's convention); zero weights keep it so.
  return shards.map((s, k) => ({ ...s, ceWeight: total > 0 ? valid[k] / total : 0, sampleShare: s.count / b }));
}

/** The samples `shard` of `batch`, copied (as a stand-alone batch). */
export function sliceBatch(batch: Batch, shard: Pick<Shard, 'offset' | 'count'>): Batch {
  const pixels = batch.height * batch.width;
  const { offset, count } = shard;
  return {
    batchSize: count,
    height: batch.height,
    width: batch.width,
    images: batch.images.slice(offset * pixels * 3, (offset + count) * pixels * 3),
    labels: batch.labels.slice(offset * pixels, (offset + count) * pixels),
  };
}
