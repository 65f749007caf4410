/**
 * How BatchNorm computes batch statistics in training. A BatchNorm layer asks
 * a `BatchStatisticsFn` for the mean and variance, so the grouping of samples
 * (whole batch, groups of the batch, or a batch spread over several workers
 * for synchronized BatchNorm) is swapped without touching the layer.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Per-channel statistics of a batch, broadcastable against the input. */
export interface BatchStatistics {
  /** Mean, [1, 1, 1, C] (one group) or [B, 1, 1, C] (each sample its group's value). */
  mean: tf.Tensor4D;
  /** Biased variance, same shape as `mean`. */
  variance: tf.Tensor4D;
  /** Number of values each statistic was computed over (for the unbiased running variance). */
  count: number;
}

/**
 * Computes batch statistics of `x` [B, H, W, C]. The returned tensors must be
 * differentiable functions of `x` (gradients flow through them), which is what
 * makes the backward pass exact for any grouping.
 */
export type BatchStatisticsFn = (x: tf.Tensor4D) => BatchStatistics;

/** Statistics over the whole local batch (plain BatchNorm). */
export const localBatchStatistics: BatchStatisticsFn = (x) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2], true);
  const [b, h, w] = x.shape;
  return { mean: mean as tf.Tensor4D, variance: variance as tf.Tensor4D, count: b * h * w };
};

/**
 * Statistics over consecutive groups of `groupSize` samples ("ghost" BatchNorm):
 * each sample is normalized with its own group's statistics. `groupSize` 0 or
 * not dividing the batch falls back to the whole batch.
 */
export function groupedBatchStatistics(groupSize: number): BatchStatisticsFn {
  return (x) => {
    const [b, h, w, c] = x.shape;
    if (groupSize <= 0 || groupSize >= b || b % groupSize !== 0) return localBatchStatistics(x);
    return tf.tidy(() => {
      const groups = b / groupSize;
      const grouped = tf.reshape(x, [groups, groupSize * h * w, c]);
      const { mean, variance } = tf.moments(grouped, [1], true);
      // Repeat each group's statistics for its samples: [groups, 1, C] -> [B, 1, 1, C].
      const expand = (t: tf.Tensor) =>
        tf.reshape(tf.tile(tf.reshape(t, [groups, 1, 1, c]), [1, groupSize, 1, 1]), [b, 1, 1, c]) as tf.Tensor4D;
      return { mean: expand(mean), variance: expand(variance), count: groupSize * h * w };
    });
  };
}
