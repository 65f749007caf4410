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
import { DENSE_HEADS, DenseHead, HeadSpec } from './head';

/** Light ASPP head. Variables `aspp0`, `imagePooling`, `projection`, `logits` (`.weight`, `.bias`). */
export class AsppLiteHead extends Module implements DenseHead {
  private readonly aspp0: Conv2d;
  private readonly imagePooling: Conv2d;
  private readonly projection: Conv2d;
  private readonly logits: Conv2d;
  private readonly drop: Dropout;

  /**
   * @param spec `config.denseHead` (`channels` of each branch and of the
   *   projection, `dropout` before the output layer), `config.numClasses`,
   *   the backbone's channels
   * @param rng generator the weights are drawn from (He-normal; logits normal std 0.01)
   */
  constructor(spec: HeadSpec, rng: Rng) {
    super();
    const { channels, dropout } = spec.config.denseHead;
    this.aspp0 = this.addChild('aspp0', new Conv2d(spec.inChannels, channels, { kernelSize: 1 }, rng));
    this.imagePooling = this.addChild('imagePooling', new Conv2d(spec.inChannels, channels, { kernelSize: 1 }, rng));
    this.projection = this.addChild('projection', new Conv2d(2 * channels, channels, { kernelSize: 1 }, rng));
    this.logits = this.addChild('logits', new Conv2d(channels, spec.config.numClasses, { kernelSize: 1, init: { std: 0.01 } }, rng));
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
}

DENSE_HEADS.register('aspp-lite', {
  build: (spec, rng) => new AsppLiteHead(spec, rng),
  flops: (spec, h, w) => {
    const c = spec.config.denseHead.channels;
    return convFlops(h, w, 1, spec.inChannels, c) + convFlops(1, 1, 1, spec.inChannels, c) + convFlops(h, w, 1, 2 * c, c) + convFlops(h, w, 1, c, spec.config.numClasses);
  },
});
