/**
 * DeepLab's light ASPP head (the one of its MobileNet models): a 1x1 conv
 * branch and an image-pooling branch (global average, 1x1 conv, broadcast
 * back), concatenated in that order (pooling first, as published), a 1x1
 * projection, dropout, and a 1x1 conv to L scores. ReLU after every conv but
 * the last.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { Conv2d, convFlops } from '../layers/conv2d';
import { Dropout } from '../layers/dropout';
import { ForwardContext, Module } from '../module';
import { z } from 'zod';
import type { OnnxGraph } from '../../onnx/graph';
import { DenseHead, denseHeadFields, HeadSpec, registerDenseHead } from './head';

/** The `model.denseHead` section of `aspp-lite` (`channels`: of each branch and of the projection). */
export const asppLiteSchema = z.object({ type: z.literal('aspp-lite'), ...denseHeadFields }).strict();

type AsppLiteConfig = z.infer<typeof asppLiteSchema>;

/** Light ASPP head. Variables `aspp0`, `imagePooling`, `projection`, `logits` (`.weight`, `.bias`). */
export class AsppLiteHead extends Module implements DenseHead {
  private readonly aspp0: Conv2d;
  private readonly imagePooling: Conv2d;
  private readonly projection: Conv2d;
  private readonly logits: Conv2d;
  private readonly drop: Dropout;

  /**
   * @param spec its section (`channels` of each branch and of the
   *   projection, `dropout` before the output layer), `numClasses`,
   *   the backbone's channels
   * @param rng generator the weights are drawn from (He-normal; logits normal std 0.01)
   */
  constructor(spec: HeadSpec<AsppLiteConfig>, rng: Rng) {
    super();
    const { channels, dropout } = spec.config;
    this.aspp0 = this.addChild('aspp0', new Conv2d(spec.inChannels, channels, { kernelSize: 1 }, rng));
    this.imagePooling = this.addChild('imagePooling', new Conv2d(spec.inChannels, channels, { kernelSize: 1 }, rng));
    this.projection = this.addChild('projection', new Conv2d(2 * channels, channels, { kernelSize: 1 }, rng));
    this.logits = this.addChild('logits', new Conv2d(channels, spec.numClasses, { kernelSize: 1, init: { std: 0.01 } }, rng));
    this.drop = new Dropout(dropout);
  }

  forward(features: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      const [, h, w] = features.shape;
      const pooled = tf.relu(this.imagePooling.forward(tf.mean(features, [1, 2], true) as tf.Tensor4D));
      const branches = tf.concat([tf.tile(pooled, [1, h, w, 1]), tf.relu(this.aspp0.forward(features))], 3) as tf.Tensor4D;
      return this.logits.forward(this.drop.forward(tf.relu(this.projection.forward(branches)) as tf.Tensor4D, ctx));
    });
  }

  toOnnx(g: OnnxGraph, features: string, name: string): string {
    const mean = g.op('ReduceMean', [features], { axes: { ints: [2, 3] }, keepdims: { i: 1 } }, `${name}.mean`);
    const pooled = g.op('Relu', [this.imagePooling.toOnnx(g, mean, `${name}.imagePooling`)], {}, `${name}.imagePooling.relu`);
    // [B, C, 1, 1] broadcast to the features' height and width.
    const hw = g.op('Slice', [g.op('Shape', [features], {}, `${name}.shape`), g.int64s([2]), g.int64s([4])], {}, `${name}.hw`);
    const target = g.op('Concat', [g.int64s([1, 1]), hw], { axis: { i: 0 } }, `${name}.tile`);
    const tiled = g.op('Expand', [pooled, target], {}, `${name}.imagePooling.tiled`);
    const aspp0 = g.op('Relu', [this.aspp0.toOnnx(g, features, `${name}.aspp0`)], {}, `${name}.aspp0.relu`);
    const branches = g.op('Concat', [tiled, aspp0], { axis: { i: 1 } }, `${name}.branches`);
    const projected = g.op('Relu', [this.projection.toOnnx(g, branches, `${name}.projection`)], {}, `${name}.projection.relu`);
    return this.logits.toOnnx(g, projected, `${name}.logits`);
  }
}

registerDenseHead('aspp-lite', {
  schema: asppLiteSchema,
  build: (spec, rng) => new AsppLiteHead(spec, rng),
  flops: (spec, h, w) => {
    const c = spec.config.channels;
    return convFlops(h, w, 1, spec.inChannels, c) + convFlops(1, 1, 1, spec.inChannels, c) + convFlops(h, w, 1, 2 * c, c) + convFlops(h, w, 1, c, spec.numClasses);
  },
});
