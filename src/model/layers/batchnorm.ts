/** Batch normalization over the channels of NHWC feature maps. */
import * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraph } from '../../onnx/graph';
import { ForwardContext, Module } from '../module';
import { BatchStatisticsFn, localBatchStatistics } from './batch_statistics';

/** Settings of a `BatchNorm2d` layer. */
export interface BatchNormOptions {
  /** Weight of the new batch value in the running-average update (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  epsilon?: number;
}

/**
 * `y = gamma * (x - mean) / sqrt(var + epsilon) + beta`. Training uses the
 * batch statistics (from `ctx.batchStatistics`, else this layer's
 * `statistics`, else the local batch) and updates the running statistics:
 * `running = (1 - momentum) * running + momentum * batch`, with the unbiased
 * batch variance. Inference uses the running statistics.
 *
 * Variables: trainable `gamma` (1) and `beta` (0) [C]; non-trainable
 * `runningMean` (0) and `runningVar` (1) [C].
 */
export class BatchNorm2d extends Module {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly momentum: number;
  readonly epsilon: number;
  /** Statistics function used when the forward context names none. */
  statistics: BatchStatisticsFn = localBatchStatistics;

  /**
   * @param channels number of channels C (last axis of the input)
   * @param options momentum and epsilon
   */
  constructor(
    readonly channels: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.momentum = options.momentum ?? 0.1;
    this.epsilon = options.epsilon ?? 1e-5;
    this.gamma = this.addVariable('gamma', tf.ones([channels]));
    this.beta = this.addVariable('beta', tf.zeros([channels]));
    this.runningMean = this.addVariable('runningMean', tf.zeros([channels]), false);
    this.runningVar = this.addVariable('runningVar', tf.ones([channels]), false);
  }

  /** Normalizes `x` [batch, height, width, channels]. */
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    if (!ctx.training) {
      return tf.tidy(() => {
        const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.runningVar, this.epsilon)));
        const shift = tf.sub(this.beta, tf.mul(this.runningMean, scale));
        return tf.add(tf.mul(x, scale), shift);
      });
    }
    return tf.tidy(() => {
      const stats = (ctx.batchStatistics ?? this.statistics)(x);
      this.updateRunningStatistics(stats.mean, stats.variance, stats.count);
      const scale = tf.mul(tf.rsqrt(tf.add(stats.variance, this.epsilon)), this.gamma);
      return tf.add(tf.mul(tf.sub(x, stats.mean), scale), this.beta);
    });
  }

  /** Inference-mode normalization (running statistics) as an ONNX `BatchNormalization` node on NCHW value `x`. */
  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const c = [this.channels];
    const v = (field: string, t: tf.Variable) => g.weight(`${name}.${field}`, t.dataSync() as Float32Array, c);
    const inputs = [x, v('gamma', this.gamma), v('beta', this.beta), v('runningMean', this.runningMean), v('runningVar', this.runningVar)];
    return g.op('BatchNormalization', inputs, { epsilon: { f: this.epsilon } }, name);
  }

  private updateRunningStatistics(mean: tf.Tensor4D, variance: tf.Tensor4D, count: number): void {
    tf.tidy(() => {
      const m = this.momentum;
      const c = this.channels;
      // Per-sample rows of grouped statistics average back to the batch's.
      const batchMean = tf.mean(tf.reshape(mean, [-1, c]), 0);
      const unbiased = count > 1 ? count / (count - 1) : 1;
      const batchVar = tf.mul(tf.mean(tf.reshape(variance, [-1, c]), 0), unbiased);
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(batchMean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(batchVar, m)));
    });
  }
}

/**
 * Makes every BatchNorm2d under `root` compute batch statistics with `statistics`
 * (e.g. `groupedBatchStatistics(n)` or a synchronized implementation).
 * Returns the number of layers changed.
 */
export function setBatchStatistics(root: Module, statistics: BatchStatisticsFn): number {
  let changed = 0;
  for (const [, module] of root.namedModules()) {
    if (module instanceof BatchNorm2d) {
      module.statistics = statistics;
      changed++;
    }
  }
  return changed;
}
