/**
 * VGG-16 as in DeepLab LargeFOV (docs/method.md §1): five blocks of 3x3 convs with
 * ReLU (2, 2, 3, 3, 3 convs of 64, 128, 256, 512, 512 channels x width), each
 * followed by a 3x3 max pool with padding 1. Pools 1-3 have stride 2; pool 4
 * has stride 1 at output stride 8 (2 at 16); conv5 is dilated by 2 at output
 * stride 8 (1 at 16); pool 5 has stride 1. The feature map is pool 5's output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { Conv2d, convFlops, convOutputSize } from '../layers/conv2d';
import { maxPool, maxPoolOnnx } from '../layers/pooling';
import type { OnnxGraph } from '../../onnx/graph';
import { ForwardContext, Module } from '../module';
import { z } from 'zod';
import { Backbone, BackboneAnalysis, registerBackbone, scaledChannels } from './backbone';

/** The `model.backbone` section of `vgg16`. */
export const vggBackboneSchema = z
  .object({
    type: z.literal('vgg16'),
    /** Channel multiplier of every conv (1 = the paper's 64-128-256-512-512). */
    width: z.number().positive().default(1),
    outputStride: z.union([z.literal(8), z.literal(16)]).default(8),
  })
  .strict();

type VggConfig = z.infer<typeof vggBackboneSchema>;

/** One stage of the network: its convs, then a max pool. */
interface VggBlock {
  /** Channels of every conv of the block. */
  channels: number;
  convs: number;
  dilation: number;
  poolStride: number;
}

const BASE_CHANNELS = [64, 128, 256, 512, 512];
const CONVS_PER_BLOCK = [2, 2, 3, 3, 3];

/** The layer plan shared by the builder and the FLOP count. */
function vggPlan(config: VggConfig): VggBlock[] {
  const s8 = config.outputStride === 8;
  return BASE_CHANNELS.map((base, i) => ({
    channels: scaledChannels(base, config.width),
    convs: CONVS_PER_BLOCK[i],
    dilation: i === 4 && s8 ? 2 : 1,
    poolStride: i < 3 ? 2 : i === 3 ? (s8 ? 1 : 2) : 1,
  }));
}

/**
 * DeepLab LargeFOV VGG-16 feature extractor. Variables are named
 * `conv{block}_{index}.weight|bias`, e.g. `conv5_3.weight`.
 */
export class Vgg16 extends Module implements Backbone {
  readonly outChannels: number;
  readonly outputStride: number;
  private readonly blocks: Array<{ convs: Conv2d[]; poolStride: number }>;

  /**
   * @param config `backbone` section: `width` (channel multiplier) and `outputStride` (8 or 16)
   * @param rng generator the weights are drawn from (He-normal)
   */
  constructor(config: VggConfig, rng: Rng) {
    super();
    this.outputStride = config.outputStride;
    let inChannels = 3;
    this.blocks = vggPlan(config).map((block, b) => {
      const convs: Conv2d[] = [];
      for (let j = 0; j < block.convs; j++) {
        const conv = new Conv2d(inChannels, block.channels, { kernelSize: 3, dilation: block.dilation }, rng);
        convs.push(this.addChild(`conv${b + 1}_${j + 1}`, conv));
        inChannels = block.channels;
      }
      return { convs, poolStride: block.poolStride };
    });
    this.outChannels = inChannels;
  }

  forward(x: tf.Tensor4D, _ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (const block of this.blocks) {
        for (const conv of block.convs) h = tf.relu(conv.forward(h));
        h = maxPool(h, 3, block.poolStride, 1);
      }
      return h;
    });
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    let h = x;
    this.blocks.forEach((block, b) => {
      block.convs.forEach((conv, j) => {
        const path = `${name}.conv${b + 1}_${j + 1}`;
        h = g.op('Relu', [conv.toOnnx(g, h, path)], {}, `${path}.relu`);
      });
      h = maxPoolOnnx(g, h, 3, block.poolStride, 1, `${name}.pool${b + 1}`);
    });
    return h;
  }
}

/** Feature shape and conv FLOPs of VGG-16 for one `height` x `width` image. */
function analyzeVgg(config: VggConfig, height: number, width: number): BackboneAnalysis {
  let [h, w, c] = [height, width, 3];
  let flops = 0;
  for (const block of vggPlan(config)) {
    for (let j = 0; j < block.convs; j++) {
      flops += convFlops(h, w, 3, c, block.channels);
      c = block.channels;
    }
    h = convOutputSize(h, 3, block.poolStride, 1, 1);
    w = convOutputSize(w, 3, block.poolStride, 1, 1);
  }
  return { height: h, width: w, channels: c, flops };
}

registerBackbone('vgg16', {
  schema: vggBackboneSchema,
  build: (config, rng) => new Vgg16(config, rng),
  analyze: (config, height, width) => analyzeVgg(config, height, width),
});
