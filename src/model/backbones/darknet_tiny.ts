/**
 * Tiny Darknet (the Darknet project's small ImageNet classifier): 15
 * convolutions (3x3 and 1x1 squeeze layers), each followed by LeakyReLU 0.1,
 * with four 2x2 max pools (output stride 16). The published weights carry
 * BatchNorm after every conv; the importer folds it into the conv's weight and
 * bias, so convolutions here have biases. The feature map is the 128-channel
 * output of conv15 (the classifier's 1x1 conv to 1000 classes and its pool
 * are not part of the backbone).
 *
 * Output stride 8 drops the last pool and dilates the 3x3 convs after it by 2.
 * Padding: `symmetric` (default) pools with 3x3 windows, stride 2, padding 1,
 * so feature pixel j stays centred on input pixel s·j as the segmentor's
 * upsampling assumes; `tf` uses the published 2x2 'SAME' pools (exact for the
 * classifier; each shifts the grid by half a pixel).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { Conv2d, convFlops, convOutputSize } from '../layers/conv2d';
import { maxPool, maxPoolOnnx } from '../layers/pooling';
import type { OnnxGraph } from '../../onnx/graph';
import { ForwardContext, Module } from '../module';
import { z } from 'zod';
import { Backbone, BackboneAnalysis, registerBackbone, scaledChannels } from './backbone';

/** The `model.backbone` section of `darknet-tiny`. */
export const darknetTinyBackboneSchema = z
  .object({
    type: z.literal('darknet-tiny'),
    /** Channel multiplier (1 = the published network; pretrained weights need 1). */
    width: z.number().positive().default(1),
    outputStride: z.union([z.literal(8), z.literal(16)]).default(16),
    /** `symmetric`: 3x3/2 pools that keep features aligned with the pixels; `tf`: the published 2x2 SAME pools. */
    padding: z.enum(['symmetric', 'tf']).default('symmetric'),
    /** ImageNet weights to start from: the Tiny Darknet tfjs layers model folder (or its model.json). */
    pretrained: z.string().min(1).optional(),
  })
  .strict();

type DarknetConfig = z.infer<typeof darknetTinyBackboneSchema>;

/** The published layers in order: a conv [kernel, channels] or a 2x2 max pool. */
const LAYERS: Array<[number, number] | 'pool'> = [
  [3, 16], 'pool', [3, 32], 'pool',
  [1, 16], [3, 128], [1, 16], [3, 128], 'pool',
  [1, 32], [3, 256], [1, 32], [3, 256], 'pool',
  [1, 64], [3, 512], [1, 64], [3, 512], [1, 128],
];

/** One conv of the plan (dilation already resolved), or a pool with its stride. */
export type DarknetStep =
  | { kind: 'conv'; name: string; kernel: number; inChannels: number; outChannels: number; dilation: number }
  | { kind: 'pool'; stride: number };

/** The layer plan shared by the builder, the FLOP count and the weight importer. */
export function darknetTinyPlan(config: { width: number; outputStride: number }): DarknetStep[] {
  const pools = LAYERS.filter((l) => l === 'pool').length;
  // Output stride 8: the last pool keeps stride 1; later 3x3 convs dilate by 2.
  const stridedPools = config.outputStride === 8 ? pools - 1 : pools;
  const steps: DarknetStep[] = [];
  let inChannels = 3;
  let poolIndex = 0;
  let dilation = 1;
  let conv = 0;
  for (const layer of LAYERS) {
    if (layer === 'pool') {
      const strided = poolIndex < stridedPools;
      steps.push({ kind: 'pool', stride: strided ? 2 : 1 });
      if (!strided) dilation *= 2;
      poolIndex++;
      continue;
    }
    const [kernel, channels] = layer;
    const outChannels = scaledChannels(channels, config.width);
    conv++;
    steps.push({ kind: 'conv', name: `conv${conv}`, kernel, inChannels, outChannels, dilation: kernel === 1 ? 1 : dilation });
    inChannels = outChannels;
  }
  return steps;
}

/** Tiny Darknet feature extractor. Variables `conv{i}.weight|bias`, i = 1..15. */
export class DarknetTiny extends Module implements Backbone {
  readonly outChannels: number;
  readonly outputStride: number;
  private readonly steps: Array<Conv2d | { stride: number }>;
  private readonly tfPadding: boolean;

  /**
   * @param config `backbone` section: `width` (channel multiplier, 1 = the
   *   published network), `outputStride` (8 or 16), `padding` (`symmetric`
   *   or `tf`); `pretrained` is loaded by the trainer
   * @param rng generator the initial weights are drawn from (He-normal)
   */
  constructor(config: DarknetConfig, rng: Rng) {
    super();
    this.outputStride = config.outputStride;
    this.tfPadding = config.padding === 'tf';
    const padding = this.tfPadding ? 'tf-same' : 'same';
    let channels = 3;
    this.steps = darknetTinyPlan(config).map((s) => {
      if (s.kind === 'pool') return { stride: s.stride };
      channels = s.outChannels;
      return this.addChild(s.name, new Conv2d(s.inChannels, s.outChannels, { kernelSize: s.kernel, dilation: s.dilation, padding }, rng));
    });
    this.outChannels = channels;
  }

  forward(x: tf.Tensor4D, _ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (const step of this.steps) {
        if (step instanceof Conv2d) h = tf.leakyRelu(step.forward(h), 0.1);
        else if (this.tfPadding) h = step.stride === 2 ? tf.maxPool(h, 2, 2, 'same') : h;
        else if (step.stride === 2) h = maxPool(h, 3, 2, 1);
      }
      return h;
    });
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    let h = x;
    this.steps.forEach((step, i) => {
      const path = `${name}.step${i}`;
      if (step instanceof Conv2d) h = g.op('LeakyRelu', [step.toOnnx(g, h, path)], { alpha: { f: 0.1 } }, `${path}.leaky`);
      else if (step.stride !== 2) return;
      else if (this.tfPadding) h = g.op('MaxPool', [h], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] }, auto_pad: { s: 'SAME_UPPER' } }, `${path}.pool`);
      else h = maxPoolOnnx(g, h, 3, 2, 1, `${path}.pool`);
    });
    return h;
  }
}

/** Feature shape and conv FLOPs of Tiny Darknet for one `height` x `width` image. */
function analyzeDarknet(config: DarknetConfig, height: number, width: number): BackboneAnalysis {
  let [h, w, c, flops] = [height, width, 3, 0];
  for (const s of darknetTinyPlan(config)) {
    if (s.kind === 'conv') {
      flops += convFlops(h, w, s.kernel, s.inChannels, s.outChannels);
      c = s.outChannels;
    } else if (s.stride === 2) {
      h = config.padding === 'tf' ? Math.ceil(h / 2) : convOutputSize(h, 3, 2, 1, 1);
      w = config.padding === 'tf' ? Math.ceil(w / 2) : convOutputSize(w, 3, 2, 1, 1);
    }
  }
  return { height: h, width: w, channels: c, flops };
}

registerBackbone('darknet-tiny', {
  schema: darknetTinyBackboneSchema,
  build: (config, rng) => new DarknetTiny(config, rng),
  analyze: (config, height, width) => analyzeDarknet(config, height, width),
});
