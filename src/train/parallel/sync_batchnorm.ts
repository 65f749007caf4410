/**
 * Synchronized BatchNorm statistics (docs/method.md §5): each worker holds a
 * shard of the SGD batch, and every BatchNorm group of samples (the whole
 * batch, or `groupSize` consecutive samples that may span workers) is
 * normalized with the statistics of the whole group, exactly as one
 * BatchNorm over the undivided batch.
 *
 * Forward: every sample's channel means and variances are all-gathered in
 * one exchange and combined per group (Chan et al.'s pairwise formula: the
 * group variance is the mean of the sample variances plus the variance of
 * the sample means), in float64.
 * Backward (a custom gradient, so the exchange happens inside tfjs's backward
 * pass at the right moment): the gradients arriving at the mean and variance
 * are all-gathered and summed per group. For y = γ·x̂ + β these are
 * −γ/σ · Σ∂ℓ/∂y and −γ/(2σ²) · Σ∂ℓ/∂y·x̂, i.e. the Σdy and Σdy·x̂ of
 * docs/method.md §5, reduced over all M·N samples; the local part of the gradient
 * (γ/σ · dy) flows through BatchNorm2d's own ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BatchStatistics, BatchStatisticsFn } from '../../model/layers/batch_statistics';
import type { Collective } from './collective';

/** Where this worker's samples sit in the SGD batch. */
export interface ShardLayout {
  /** Index of this worker's first sample in the batch. */
  offset: number;
  /** Samples of this worker. */
  count: number;
  /** Samples of the whole batch (all workers). */
  batchSize: number;
  /**
   * First sample of every worker's shard (the same list on all workers).
   * When every BatchNorm group lies inside one shard, no worker needs the
   * others' statistics and the exchange is skipped; without it, statistics
   * are always exchanged.
   */
  shardOffsets?: number[];
}

/**
 * Samples per BatchNorm group for a batch of `batchSize`: `groupSize` 0 means
 * the whole batch. Throws (naming `train.bnGroupSize`) when it does not divide the batch.
 */
export function resolveBnGroupSize(groupSize: number, batchSize: number): number {
  if (!Number.isInteger(groupSize) || groupSize < 0) throw new Error(`train.bnGroupSize must be an integer >= 0, got ${groupSize}`);
  if (groupSize === 0 || groupSize === batchSize) return batchSize;
  if (groupSize > batchSize || batchSize % groupSize !== 0) {
    throw new Error(`train.bnGroupSize (${groupSize}) must divide train.batchSize (${batchSize}); 0 uses the whole batch`);
  }
  return groupSize;
}

/**
 * Batch statistics shared among the workers of `collective`. Every worker
 * must run the same layers in the same order (same model, same shapes);
 * set the shard layout with {@link SyncBatchStatistics.setShard} before each step.
 */
export class SyncBatchStatistics {
  private layout: ShardLayout | null = null;
  private group = 0;
  private groupsLocal = false;

  /**
   * @param collective this worker's handle on the group of workers
   * @param groupSize samples per BatchNorm group (0: the whole SGD batch)
   */
  constructor(
    private readonly collective: Collective,
    private readonly groupSize: number,
  ) {}

  /** Sets which samples of the batch this worker holds (before the forward pass). */
  setShard(layout: ShardLayout): void {
    const { offset, count, batchSize } = layout;
    if (!(count >= 1 && offset >= 0 && offset + count <= batchSize)) {
      throw new Error(`sync BatchNorm: shard ${offset}..${offset + count - 1} outside a batch of ${batchSize}`);
    }
    this.group = resolveBnGroupSize(this.groupSize, batchSize);
    this.groupsLocal = layout.shardOffsets !== undefined && layout.shardOffsets.every((o) => o % this.group === 0);
    this.layout = { ...layout };
  }

  /** The statistics function to install with `setBatchStatistics(model, fn)`. */
  readonly statistics: BatchStatisticsFn = (x) => this.compute(x);

  private compute(x: tf.Tensor4D): BatchStatistics {
    const layout = this.layout;
    if (!layout) throw new Error('sync BatchNorm: setShard was not called before the forward pass');
    const [n, h, w, c] = x.shape;
    if (n !== layout.count) throw new Error(`sync BatchNorm: input holds ${n} samples, the shard ${layout.count}`);
    const group = this.group;
    const count = group * h * w;
    const { offset, batchSize } = layout;
    const groupsLocal = this.groupsLocal;
    // The batch's table of per-sample rows; with local groups only this worker's rows are filled (and read).
    const gather = (rows: ArrayLike<number>, cols: number): Float64Array => {
      if (!groupsLocal) return this.collective.allGatherRows(rows, offset, batchSize, cols);
      const table = new Float64Array(batchSize * cols);
      table.set(rows, offset * cols);
      return table;
    };

    // Per-group sums of gathered per-sample rows, handed back as one row per local sample.
    const groupRows = (table: Float64Array, cols: number, scale: number): Float64Array => {
      const out = new Float64Array(n * cols);
      for (let i = 0; i < n; i++) {
        const g0 = Math.floor((offset + i) / group) * group;
        for (let s = g0; s < g0 + group; s++) {
          for (let j = 0; j < cols; j++) out[i * cols + j] += table[s * cols + j];
        }
        for (let j = 0; j < cols; j++) out[i * cols + j] *= scale;
      }
      return out;
    };

    const stats = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const xs = args[0] as tf.Tensor4D;
      const save = args[1] as tf.GradSaveFunc;
      // Row i: [mean (c values), variance (c values)] of local sample i, over its h·w positions.
      const moments = tf.tidy(() => {
        const m = tf.moments(xs, [1, 2]);
        return tf.concat([m.mean, m.variance], 1).dataSync();
      });
      const table = gather(moments, 2 * c);
      const meanRows = new Float32Array(n * c);
      const varRows = new Float32Array(n * c);
      for (let i = 0; i < n; i++) {
        const g0 = Math.floor((offset + i) / group) * group;
        for (let j = 0; j < c; j++) {
          let mean = 0;
          for (let s = g0; s < g0 + group; s++) mean += table[s * 2 * c + j];
          mean /= group;
          let variance = 0;
          for (let s = g0; s < g0 + group; s++) {
            const d = table[s * 2 * c + j] - mean;
            variance += table[s * 2 * c + c + j] + d * d;
          }
          meanRows[i * c + j] = mean;
          varRows[i * c + j] = variance / group;
        }
      }
      save([xs]);
      return {
        // customGrad takes one output: mean and variance stacked, [2, n, 1, 1, c].
        value: tf.stack([tf.tensor4d(meanRows, [n, 1, 1, c]), tf.tensor4d(varRows, [n, 1, 1, c])]),
        gradFunc: (d: tf.Tensor, saved: tf.Tensor[]) => {
          // Row i: [∂ℓ/∂mean_i (c values), ∂ℓ/∂var_i (c values)] of local sample i.
          const dd = d.dataSync();
          const local = new Float64Array(n * 2 * c);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < c; j++) {
              local[i * 2 * c + j] = dd[i * c + j];
              local[i * 2 * c + c + j] = dd[(n + i) * c + j];
            }
          }
          const totals = groupRows(gather(local, 2 * c), 2 * c, 1 / count);
          const dMean = new Float32Array(n * c);
          const dVar2 = new Float32Array(n * c);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < c; j++) {
              dMean[i * c + j] = totals[i * 2 * c + j];
              dVar2[i * c + j] = 2 * totals[i * 2 * c + c + j];
            }
          }
          // ∂mean_g/∂x = 1/K and ∂var_g/∂x = 2(x − mean_g)/K over the K values of group g.
          return tf.tidy(() => {
            const m = tf.tensor4d(meanRows, [n, 1, 1, c]);
            const centered = tf.sub(saved[0], m);
            return tf.add(tf.tensor4d(dMean, [n, 1, 1, c]), tf.mul(centered, tf.tensor4d(dVar2, [n, 1, 1, c])));
          });
        },
      };
    });

    return tf.tidy(() => {
      const both = stats(x);
      const [mean, variance] = tf.unstack(both) as [tf.Tensor4D, tf.Tensor4D];
      return { mean, variance, count };
    });
  }
}
