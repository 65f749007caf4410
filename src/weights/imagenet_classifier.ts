/**
 * The original ImageNet classifier around an imported backbone, used to prove
 * an import: backbone features → the file's top (MobileNetV2: 1x1 conv to
 * 1280 + ReLU6, global average pool, 1x1 conv to the classes; Tiny Darknet:
 * 1x1 conv to the classes, then the pool) → class probabilities.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from '../model/backbones/backbone';
import { Conv2d } from '../model/layers/conv2d';
import { Module } from '../model/module';
import { Rng } from '../util/rng';
import type { InputNormalization } from './named_weights';

/** The top of a classifier: optional 1x1 conv + activation, pool, logits. */
export interface ClassifierTop {
  /** Channels of a 1x1 conv before the pool (MobileNetV2's 1280), with ReLU6; none when absent. */
  conv1Channels?: number;
  /** Whether the logits conv runs before the global pool (Tiny Darknet) or after it. */
  logitsBeforePool: boolean;
  classes: number;
}

/** Backbone + classifier top. Children `backbone`, `conv1` (when present), `logits`. */
export class ImageNetClassifier extends Module {
  private readonly conv1: Conv2d | null;
  private readonly logits: Conv2d;

  constructor(
    readonly backbone: Backbone,
    private readonly top: ClassifierTop,
    private readonly normalization: InputNormalization,
  ) {
    super();
    this.addChild('backbone', backbone);
    const rng = new Rng(0);
    let channels = backbone.outChannels;
    this.conv1 = top.conv1Channels ? this.addChild('conv1', new Conv2d(channels, top.conv1Channels, { kernelSize: 1 }, rng)) : null;
    if (top.conv1Channels) channels = top.conv1Channels;
    this.logits = this.addChild('logits', new Conv2d(channels, top.classes, { kernelSize: 1 }, rng));
  }

  /** Class probabilities [B, classes] of `images` [B, H, W, 3] (RGB 0..255). */
  predict(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const { mean, std } = this.normalization;
      const x = tf.div(tf.sub(images, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D;
      let h = this.backbone.forward(x, { training: false });
      if (this.conv1) h = tf.relu6(this.conv1.forward(h));
      const pooled = (t: tf.Tensor4D) => tf.mean(t, [1, 2], true) as tf.Tensor4D;
      const logits = this.top.logitsBeforePool ? pooled(this.logits.forward(h)) : this.logits.forward(pooled(h));
      return tf.softmax(tf.reshape(logits, [images.shape[0], this.top.classes])) as tf.Tensor2D;
    });
  }
}
