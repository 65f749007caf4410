/**
 * DeepLab LargeFOV dense head (docs/method.md §1): fc6 3x3 conv dilated (12 at
 * output stride 8, 6 at 16, unless `denseHead.dilation` is set), ReLU,
 * dropout; fc7 1x1 conv, ReLU, dropout; fc8 1x1 conv → L scores.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { Conv2d, convFlops } from '../layers/conv2d';
import { Dropout } from '../layers/dropout';
import { ForwardContext, Module } from '../module';
import { z } from 'zod';
import type { OnnxGraph } from '../../onnx/graph';
import { DenseHead, denseHeadFields, HeadSpec, registerDenseHead } from './head';

/** The `model.denseHead` section of `largefov`. */
export const largeFovSchema = z
  .object({
    type: z.literal('largefov'),
    ...denseHeadFields,
    /** Dilation of fc6; default 12 at output stride 8, 6 at 16. */
    dilation: z.number().int().positive().optional(),
  })
  .strict();

type LargeFovConfig = z.infer<typeof largeFovSchema>;

/** fc6's dilation for a spec: the configured one, else 12 at stride 8 and 6 at 16. */
export function largeFovDilation(spec: HeadSpec<LargeFovConfig>): number {
  return spec.config.dilation ?? (spec.outputStride === 8 ? 12 : 6);
}

/** LargeFOV head. Variables `fc6`, `fc7`, `fc8` (`.weight`, `.bias`). */
export class LargeFovHead extends Module implements DenseHead {
  private readonly fc6: Conv2d;
  private readonly fc7: Conv2d;
  private readonly fc8: Conv2d;
  private readonly drop6: Dropout;
  private readonly drop7: Dropout;

  /**
   * @param spec its section (`channels` of fc6/fc7, `dilation`, `dropout`),
   *   `numClasses`, the backbone's channels and output stride
   * @param rng generator the weights are drawn from (He-normal; fc8 normal std 0.01)
   */
  constructor(spec: HeadSpec<LargeFovConfig>, rng: Rng) {
    super();
    const { channels, dropout } = spec.config;
    const dilation = largeFovDilation(spec);
    this.fc6 = this.addChild('fc6', new Conv2d(spec.inChannels, channels, { kernelSize: 3, dilation }, rng));
    this.fc7 = this.addChild('fc7', new Conv2d(channels, channels, { kernelSize: 1 }, rng));
    this.fc8 = this.addChild(
      'fc8',
      new Conv2d(channels, spec.numClasses, { kernelSize: 1, init: { std: 0.01 } }, rng),
    );
    this.drop6 = new Dropout(dropout);
    this.drop7 = new Dropout(dropout);
  }

  forward(features: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      const h6 = this.drop6.forward(tf.relu(this.fc6.forward(features)), ctx);
      const h7 = this.drop7.forward(tf.relu(this.fc7.forward(h6)), ctx);
      return this.fc8.forward(h7);
    });
  }

  toOnnx(g: OnnxGraph, features: string, name: string): string {
    const h6 = g.op('Relu', [this.fc6.toOnnx(g, features, `${name}.fc6`)], {}, `${name}.fc6.relu`);
    const h7 = g.op('Relu', [this.fc7.toOnnx(g, h6, `${name}.fc7`)], {}, `${name}.fc7.relu`);
    return this.fc8.toOnnx(g, h7, `${name}.fc8`);
  }
}

registerDenseHead('largefov', {
  schema: largeFovSchema,
  build: (spec, rng) => new LargeFovHead(spec, rng),
  flops: (spec, h, w) => {
    const c = spec.config.channels;
    return convFlops(h, w, 3, spec.inChannels, c) + convFlops(h, w, 1, c, c) + convFlops(h, w, 1, c, spec.numClasses);
  },
});
