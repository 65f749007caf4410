/**
 * clsNet, the global (image classification) branch (docs/method.md §1): adaptive
 * max pool of F to a PxP grid, flatten, FC hidden, ReLU, dropout, FC hidden,
 * ReLU, dropout, FC → L scores.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { Dropout } from '../layers/dropout';
import { Linear, linearFlops } from '../layers/linear';
import { adaptiveMaxPool, adaptiveMaxPoolOnnx } from '../layers/pooling';
import { ForwardContext, Module } from '../module';
import { z } from 'zod';
import type { OnnxGraph } from '../../onnx/graph';
import { GlobalHead, HeadSpec, registerGlobalHead } from './head';

/** The `model.clsHead` section of `clsnet`. */
export const clsNetSchema = z
  .object({
    type: z.literal('clsnet'),
    /** Width of the two hidden FC layers (paper: 4096). */
    hidden: z.number().int().positive().default(4096),
    /** Side of the adaptive max-pool grid (paper: 7). */
    poolSize: z.number().int().positive().default(7),
    dropout: z.number().min(0).max(1).default(0.5),
    /** Std of the output layer's initial weights; 0 starts g at 0, so a pretrained dense head is not disturbed by a random global branch. */
    outputStd: z.number().nonnegative().default(0.01),
  })
  .strict();

type ClsNetConfig = z.infer<typeof clsNetSchema>;

/** The most weights clsNet's first layer may hold (1 GiB of float32; the paper's VGG clsNet has 103 M). */
const MAX_FC1_WEIGHTS = 2 ** 28;

/** clsNet head. Variables `fc1`, `fc2`, `fc3` (`.weight`, `.bias`). */
export class ClsNetHead extends Module implements GlobalHead {
  readonly poolSize: number;
  private readonly fc1: Linear;
  private readonly fc2: Linear;
  private readonly fc3: Linear;
  private readonly drop1: Dropout;
  private readonly drop2: Dropout;

  /**
   * @param spec its section (`poolSize` P, `hidden` width, `dropout`),
   *   `numClasses` and the backbone's channels
   * @param rng generator the weights are drawn from (He-normal; fc3 normal with std `clsHead.outputStd`)
   */
  constructor(spec: HeadSpec<ClsNetConfig>, rng: Rng) {
    super();
    const { hidden, poolSize, dropout, outputStd } = spec.config;
    const fc1Weights = poolSize * poolSize * spec.inChannels * hidden;
    if (fc1Weights > MAX_FC1_WEIGHTS) {
      throw new Error(
        `clsHead.poolSize ${poolSize} with ${spec.inChannels} backbone channels and clsHead.hidden ${hidden}: fc1 would hold ` +
          `${(fc1Weights / 1e6).toFixed(0)} M weights (limit ${(MAX_FC1_WEIGHTS / 1e6).toFixed(0)} M); lower clsHead.poolSize or clsHead.hidden`,
      );
    }
    this.poolSize = poolSize;
    this.fc1 = this.addChild('fc1', new Linear(poolSize * poolSize * spec.inChannels, hidden, rng));
    this.fc2 = this.addChild('fc2', new Linear(hidden, hidden, rng));
    this.fc3 = this.addChild('fc3', new Linear(hidden, spec.numClasses, rng, { std: outputStd }));
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

  toOnnx(g: OnnxGraph, features: string, name: string): string {
    const pooled = adaptiveMaxPoolOnnx(g, features, this.poolSize, `${name}.pool`);
    // Flattened in the order `summarize` uses (row, column, channel).
    const nhwc = g.op('Transpose', [pooled], { perm: { ints: [0, 2, 3, 1] } }, `${name}.pool.nhwc`);
    const flat = g.op('Flatten', [nhwc], { axis: { i: 1 } }, `${name}.summary`);
    const h1 = g.op('Relu', [this.fc1.toOnnx(g, flat, `${name}.fc1`)], {}, `${name}.fc1.relu`);
    const h2 = g.op('Relu', [this.fc2.toOnnx(g, h1, `${name}.fc2`)], {}, `${name}.fc2.relu`);
    return this.fc3.toOnnx(g, h2, `${name}.fc3`);
  }
}

registerGlobalHead('clsnet', {
  schema: clsNetSchema,
  build: (spec, rng) => new ClsNetHead(spec, rng),
  flops: (spec) => {
    const { hidden, poolSize } = spec.config;
    return (
      linearFlops(poolSize * poolSize * spec.inChannels, hidden) +
      linearFlops(hidden, hidden) +
      linearFlops(hidden, spec.numClasses)
    );
  },
});
