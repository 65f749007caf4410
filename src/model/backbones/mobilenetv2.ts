/**
 * MobileNetV2 (Sandler et al. 2018): a 3x3/2 stem conv, then 17 inverted
 * residual blocks (1x1 expand, 3x3 depthwise, 1x1 linear projection; a
 * residual sum where input and output shapes agree), ReLU6 after the stem,
 * every expand and every depthwise conv. Convolutions carry biases: the
 * published weights come with BatchNorm folded into them.
 *
 * Output stride 8 or 16 as DeepLabv3 does it: once the running stride
 * reaches the target, a block that would stride keeps stride 1 and every
 * later depthwise conv is dilated by the stride it gave up (16: the 160-
 * channel stage; 8: also the 64-channel stage, dilations 2 then 4). The
 * feature map is the last block's 320 x width channels (the 1280-channel
 * conv of the classifier is not part of the backbone).
 *
 * Padding: `symmetric` (default) keeps feature pixel j centred on input pixel
 * s·j, as the segmentor's upsampling assumes; `tf` is TensorFlow's SAME,
 * with which the published classifiers reproduce their outputs exactly (at
 * stride 2 on an even size it pads only after, shifting the grid by a pixel).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { Conv2d, convFlops, convOutputSize } from '../layers/conv2d';
import { DepthwiseConv2d, depthwiseFlops } from '../layers/depthwise_conv2d';
import { ForwardContext, Module } from '../module';
import { z } from 'zod';
import type { OnnxGraph } from '../../onnx/graph';
import { Backbone, BackboneAnalysis, registerBackbone } from './backbone';

/** The `model.backbone` section of `mobilenetv2`. */
export const mobilenetv2BackboneSchema = z
  .object({
    type: z.literal('mobilenetv2'),
    /** Channel multiplier (1 = the published network; pretrained weights need 1). */
    width: z.number().positive().default(1),
    /** 8 or 16 dilate the last stages; 32 is the published classifier's stride. */
    outputStride: z.union([z.literal(8), z.literal(16), z.literal(32)]).default(16),
    /** `symmetric` keeps features aligned with the pixels; `tf` is TensorFlow's SAME (exact for the published classifier). */
    padding: z.enum(['symmetric', 'tf']).default('symmetric'),
    /** ImageNet weights to start from: a MobileNetV2 TFLite file (uint8 or int8 quantized, or float). */
    pretrained: z.string().min(1).optional(),
  })
  .strict();

type MobileNetV2Config = z.infer<typeof mobilenetv2BackboneSchema>;

/** The published stages: expansion t, output channels c, blocks n, first stride s. */
const STAGES: Array<[t: number, c: number, n: number, s: number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Channels after the width multiplier, rounded to a multiple of 8 (never below 90 % of the exact value). */
export function divisibleChannels(channels: number, width: number): number {
  const exact = channels * width;
  const rounded = Math.max(8, Math.floor((exact + 4) / 8) * 8);
  return rounded < 0.9 * exact ? rounded + 8 : rounded;
}

/** Shape of one inverted residual block. */
export interface InvertedResidualSpec {
  inChannels: number;
  /** Channels after the expand conv (= inChannels when the block has none). */
  hiddenChannels: number;
  outChannels: number;
  /** Whether the block has a 1x1 expand conv (all but the first). */
  expand: boolean;
  stride: number;
  /** Dilation of the depthwise conv. */
  dilation: number;
}

/** The layer plan shared by the builder, the FLOP count and the weight importers. */
export function mobileNetV2Plan(config: { width: number; outputStride: number }): {
  stemChannels: number;
  blocks: InvertedResidualSpec[];
} {
  const stemChannels = divisibleChannels(32, config.width);
  const blocks: InvertedResidualSpec[] = [];
  let inChannels = stemChannels;
  let stride = 2;
  let rate = 1;
  for (const [t, c, n, s] of STAGES) {
    const outChannels = divisibleChannels(c, config.width);
    for (let i = 0; i < n; i++) {
      const want = i === 0 ? s : 1;
      let layerStride = want;
      let dilation = rate;
      if (stride >= config.outputStride) {
        layerStride = 1;
        rate *= want;
      } else {
        stride *= want;
        dilation = 1;
      }
      blocks.push({ inChannels, hiddenChannels: t === 1 ? inChannels : inChannels * t, outChannels, expand: t !== 1, stride: layerStride, dilation });
      inChannels = outChannels;
    }
  }
  return { stemChannels, blocks };
}

/** One inverted residual block. Children `expand` (when present), `depthwise`, `project`. */
class InvertedResidual extends Module {
  private readonly expand: Conv2d | null;
  private readonly depthwise: DepthwiseConv2d;
  private readonly project: Conv2d;
  private readonly residual: boolean;

  constructor(spec: InvertedResidualSpec, rng: Rng, padding: 'same' | 'tf-same') {
    super();
    this.expand = spec.expand
      ? this.addChild('expand', new Conv2d(spec.inChannels, spec.hiddenChannels, { kernelSize: 1 }, rng))
      : null;
    this.depthwise = this.addChild('depthwise', new DepthwiseConv2d(spec.hiddenChannels, 3, spec.stride, spec.dilation, rng, padding));
    this.project = this.addChild(
      'project',
      new Conv2d(spec.hiddenChannels, spec.outChannels, { kernelSize: 1, init: { std: Math.sqrt(1 / spec.hiddenChannels) } }, rng),
    );
    this.residual = spec.stride === 1 && spec.inChannels === spec.outChannels;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const hidden = this.expand ? tf.relu6(this.expand.forward(x)) : x;
      const y = this.project.forward(tf.relu6(this.depthwise.forward(hidden)));
      return this.residual ? tf.add(y, x) : y;
    });
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const hidden = this.expand ? g.relu6(this.expand.toOnnx(g, x, `${name}.expand`), `${name}.expand.relu6`) : x;
    const dw = g.relu6(this.depthwise.toOnnx(g, hidden, `${name}.depthwise`), `${name}.depthwise.relu6`);
    const y = this.project.toOnnx(g, dw, `${name}.project`);
    return this.residual ? g.op('Add', [y, x], {}, `${name}.add`) : y;
  }
}

/**
 * MobileNetV2 feature extractor. Variables are named `stem.weight`,
 * `block{i}.expand|depthwise|project.weight|bias` (i = 0..16; block 0 has no expand).
 */
export class MobileNetV2 extends Module implements Backbone {
  readonly outChannels: number;
  readonly outputStride: number;
  private readonly stem: Conv2d;
  private readonly blocks: InvertedResidual[];

  /**
   * @param config `backbone` section: `width` (channel multiplier, 1 = the
   *   published network), `outputStride` (8 or 16), `padding` (`symmetric` or
   *   `tf`); `pretrained` is loaded by the trainer
   * @param rng generator the initial weights are drawn from (He-normal)
   */
  constructor(config: MobileNetV2Config, rng: Rng) {
    super();
    const plan = mobileNetV2Plan(config);
    this.outputStride = config.outputStride;
    const padding = config.padding === 'tf' ? 'tf-same' : 'same';
    this.stem = this.addChild('stem', new Conv2d(3, plan.stemChannels, { kernelSize: 3, stride: 2, padding }, rng));
    this.blocks = plan.blocks.map((spec, i) => this.addChild(`block${i}`, new InvertedResidual(spec, rng, padding)));
    this.outChannels = plan.blocks[plan.blocks.length - 1].outChannels;
  }

  forward(x: tf.Tensor4D, _ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => this.blocks.reduce((h, block) => block.forward(h), tf.relu6(this.stem.forward(x)) as tf.Tensor4D));
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const stem = g.relu6(this.stem.toOnnx(g, x, `${name}.stem`), `${name}.stem.relu6`);
    return this.blocks.reduce((h, block, i) => block.toOnnx(g, h, `${name}.block${i}`), stem);
  }
}

/** Feature shape and conv FLOPs of MobileNetV2 for one `height` x `width` image. */
function analyzeMobileNetV2(config: MobileNetV2Config, height: number, width: number): BackboneAnalysis {
  const plan = mobileNetV2Plan(config);
  let h = convOutputSize(height, 3, 2, 1, 'same');
  let w = convOutputSize(width, 3, 2, 1, 'same');
  let flops = convFlops(h, w, 3, 3, plan.stemChannels);
  for (const b of plan.blocks) {
    if (b.expand) flops += convFlops(h, w, 1, b.inChannels, b.hiddenChannels);
    h = convOutputSize(h, 3, b.stride, b.dilation, 'same');
    w = convOutputSize(w, 3, b.stride, b.dilation, 'same');
    flops += depthwiseFlops(h, w, 3, b.hiddenChannels) + convFlops(h, w, 1, b.hiddenChannels, b.outChannels);
  }
  return { height: h, width: w, channels: plan.blocks[plan.blocks.length - 1].outChannels, flops };
}

registerBackbone('mobilenetv2', {
  schema: mobilenetv2BackboneSchema,
  build: (config, rng) => new MobileNetV2(config, rng),
  analyze: (config, height, width) => analyzeMobileNetV2(config, height, width),
});
