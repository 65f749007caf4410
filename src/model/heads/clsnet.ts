/**
 * clsNet, the global (image classification) branch (docs/method.md §1): adaptive
 * max pool of F to a PxP grid, flatten, FC hidden, ReLU, dropout, FC hidden,
 * ReLU, dropout, FC → L scores.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { Dropout } from '../layers/dropout';
import { Linear, linearFlops } from '../layers/linear';
import { adaptiveMaxPool } from '../layers/pooling';
import { ForwardContext, Module } from '../module';
import { GLOBAL_HEADS, GlobalHead, HeadSpec } from './head';

/** clsNet head. Variables `fc1`, `fc2`, `fc3` (`.weight`, `.bias`). */
export class ClsNetHead extends Module implements GlobalHead {
  readonly poolSize: number;
  private readonly fc1: Linear;
  private readonly fc2: Linear;
  private readonly fc3: Linear;
  private readonly drop1: Dropout;
  private readonly drop2: Dropout;

  /**
   * @param spec `config.clsHead` (`poolSize` P, `hidden` width, `dropout`),
   *   `config.numClasses` and the backbone's channels
   * @param rng generator the weights are drawn from (He-normal; fc3 normal with std `clsHead.outputStd`)
   */
  constructor(spec: HeadSpec, rng: Rng) {
    super();
    const { hidden, poolSize, dropout, outputStd } = spec.config.clsHead;
    this.poolSize = poolSize;
    this.fc1 = this.addChild('fc1', new Linear(poolSize * poolSize * spec.inChannels, hidden, rng));
    this.fc2 = this.addChild('fc2', new Linear(hidden, hidden, rng));
    this.fc3 = this.addChild('fc3', new Linear(hidden, spec.config.numClasses, rng, { std: outputStd }));
    this.drop1 = new Dropout(dropout);
    this.drop2 = new Dropout(dropout);
  }

  forward(features: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => this.classify(this.summarize(features), ctx));
  }

  /** The PxP adaptive max pool of F, flattened: [B, P*P*C]. */
  summarize(features: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const pooled = adaptiveMaxPool(features, this.poolSize);
      return tf.reshape(pooled, [pooled.shape[0], -1]) as tf.Tensor2D;
    });
  }

  /** The three FC layers on pooled summaries [B, P*P*C]. */
  classify(summary: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => {
      const h1 = this.drop1.forward(tf.relu(this.fc1.forward(summary)), ctx);
      const h2 = this.drop2.forward(tf.relu(this.fc2.forward(h1)), ctx);
      return this.fc3.forward(h2);
    });
  }
}

GLOBAL_HEADS.register('clsnet', {
  build: (spec, rng) => new ClsNetHead(spec, rng),
  flops: (spec) => {
    const { hidden, poolSize } = spec.config.clsHead;
    return (
      linearFlops(poolSize * poolSize * spec.inChannels, hidden) +
      linearFlops(hidden, hidden) +
      linearFlops(hidden, spec.config.numClasses)
    );
  },
});
