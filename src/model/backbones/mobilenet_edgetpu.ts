/**
 * MobileNet-EdgeTPU as in DeepLab's published Cityscapes model (the "slim"
 * variant): a 3x3/2 stem conv, a 1x1 projection, then two kinds of
 * inverted-bottleneck blocks, all with ReLU and linear projections:
 * - fused (the first 8): a k x k expand conv (carrying the block's stride),
 *   then a 1x1 projection;
 * - inverted (the last 13): 1x1 expand, k x k depthwise, 1x1 projection;
 * and a final 1x1 conv to 1280 channels. A residual sum is added where the
 * published network has one (not every block whose shapes agree has it).
 * Convolutions carry biases: the published weights have BatchNorm folded in.
 *
 * Output stride 16 is the published network: the block that would take the
 * stride to 32 keeps stride 1 and the depthwise convs after it are dilated by
 * 2. Output stride 8 does the same one stage earlier (dilations 2 then 4).
 * Padding is symmetric, which on the published odd input sizes (513, 769)
 * is TensorFlow's SAME.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { Conv2d, convFlops, convOutputSize } from '../layers/conv2d';
import { DepthwiseConv2d, depthwiseFlops } from '../layers/depthwise_conv2d';
import { ForwardContext, Module } from '../module';
import { z } from 'zod';
import type { OnnxGraph } from '../../onnx/graph';
import { Backbone, BackboneAnalysis, registerBackbone } from './backbone';

/** The `model.backbone` section of `mobilenet-edgetpu`. */
export const mobilenetEdgeTpuBackboneSchema = z
  .object({
    type: z.literal('mobilenet-edgetpu'),
    /** 16: the published DeepLab network (last stage dilated by 2); 8 also dilates the 72-channel stages. */
    outputStride: z.union([z.literal(8), z.literal(16)]).default(16),
    /** Weights to start from: the DeepLab MobileNet-EdgeTPU TFLite file (Cityscapes). */
    pretrained: z.string().min(1).optional(),
  })
  .strict();

type MobileNetEdgeTpuConfig = z.infer<typeof mobilenetEdgeTpuBackboneSchema>;

/** Channels of the stem conv. */
const STEM_CHANNELS = 24;
/** Channels of the final 1x1 conv (the feature map). */
const FINAL_CHANNELS = 1280;

/**
 * The published blocks: kind, kernel, hidden channels, output channels,
 * stride in the classifier (output stride 32), residual sum.
 */
const BLOCKS: Array<[kind: 'project' | 'fused' | 'inverted', kernel: number, hidden: number, out: number, stride: number, residual: boolean]> = [
  ['project', 1, 24, 16, 1, false],
  ['fused', 3, 128, 24, 2, false],
  ['fused', 3, 96, 24, 1, true],
  ['fused', 3, 96, 24, 1, true],
  ['fused', 3, 96, 24, 1, true],
  ['fused', 3, 192, 40, 2, false],
  ['fused', 3, 160, 40, 1, true],
  ['fused', 3, 160, 40, 1, true],
  ['fused', 3, 160, 40, 1, true],
  ['inverted', 3, 320, 72, 2, false],
  ['inverted', 3, 288, 72, 1, true],
  ['inverted', 3, 288, 72, 1, true],
  ['inverted', 3, 288, 72, 1, true],
  ['inverted', 3, 576, 72, 1, false],
  ['inverted', 3, 288, 72, 1, true],
  ['inverted', 3, 288, 72, 1, true],
  ['inverted', 3, 288, 72, 1, true],
  ['inverted', 5, 576, 120, 2, false],
  ['inverted', 5, 480, 120, 1, true],
  ['inverted', 5, 480, 120, 1, true],
  ['inverted', 5, 480, 120, 1, true],
  ['inverted', 3, 960, 144, 1, false],
];

/** Shape of one block after the output-stride plan. */
export interface EdgeTpuBlockSpec {
  /** `project`: 1x1 projection only; `fused`: k x k expand + 1x1 projection; `inverted`: 1x1 expand, k x k depthwise, 1x1 projection. */
  kind: 'project' | 'fused' | 'inverted';
  kernel: number;
  inChannels: number;
  hiddenChannels: number;
  outChannels: number;
  stride: number;
  /** Dilation of the block's k x k conv. */
  dilation: number;
  residual: boolean;
}

/** The layer plan shared by the builder, the FLOP count and the weight importer. */
export function mobileNetEdgeTpuPlan(outputStride: number): { stemChannels: number; blocks: EdgeTpuBlockSpec[]; finalChannels: number } {
  const blocks: EdgeTpuBlockSpec[] = [];
  let inChannels = STEM_CHANNELS;
  let stride = 2;
  let rate = 1;
  for (const [kind, kernel, hidden, out, want, residual] of BLOCKS) {
    let layerStride = want;
    let dilation = rate;
    if (stride >= outputStride) {
      layerStride = 1;
      rate *= want;
    } else {
      stride *= want;
      dilation = 1;
    }
    blocks.push({ kind, kernel, inChannels, hiddenChannels: hidden, outChannels: out, stride: layerStride, dilation, residual });
    inChannels = out;
  }
  return { stemChannels: STEM_CHANNELS, blocks, finalChannels: FINAL_CHANNELS };
}

/** One block. Children `expand` (fused: k x k; inverted: 1x1), `depthwise` (inverted only), `project`. */
class EdgeTpuBlock extends Module {
  private readonly expand: Conv2d | null;
  private readonly depthwise: DepthwiseConv2d | null;
  private readonly project: Conv2d;

  constructor(
    private readonly spec: EdgeTpuBlockSpec,
    rng: Rng,
  ) {
    super();
    const { kind, kernel, inChannels, hiddenChannels, stride, dilation } = spec;
    this.expand =
      kind === 'project'
        ? null
        : this.addChild(
            'expand',
            kind === 'fused'
              ? new Conv2d(inChannels, hiddenChannels, { kernelSize: kernel, stride, dilation }, rng)
              : new Conv2d(inChannels, hiddenChannels, { kernelSize: 1 }, rng),
          );
    this.depthwise = kind === 'inverted' ? this.addChild('depthwise', new DepthwiseConv2d(hiddenChannels, kernel, stride, dilation, rng)) : null;
    this.project = this.addChild(
      'project',
      new Conv2d(hiddenChannels, spec.outChannels, { kernelSize: 1, init: { std: Math.sqrt(1 / hiddenChannels) } }, rng),
    );
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.expand ? tf.relu(this.expand.forward(x)) : x;
      if (this.depthwise) h = tf.relu(this.depthwise.forward(h));
      const y = this.project.forward(h);
      return this.spec.residual ? tf.add(y, x) : y;
    });
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    let h = this.expand ? g.op('Relu', [this.expand.toOnnx(g, x, `${name}.expand`)], {}, `${name}.expand.relu`) : x;
    if (this.depthwise) h = g.op('Relu', [this.depthwise.toOnnx(g, h, `${name}.depthwise`)], {}, `${name}.depthwise.relu`);
    const y = this.project.toOnnx(g, h, `${name}.project`);
    return this.spec.residual ? g.op('Add', [y, x], {}, `${name}.add`) : y;
  }
}

/**
 * MobileNet-EdgeTPU feature extractor. Variables are named `stem.weight`,
 * `block{i}.expand|depthwise|project.weight|bias` (i = 0..21) and `conv1`
 * (the final 1x1 conv to 1280 channels).
 */
export class MobileNetEdgeTpu extends Module implements Backbone {
  readonly outChannels = FINAL_CHANNELS;
  readonly outputStride: number;
  private readonly stem: Conv2d;
  private readonly blocks: EdgeTpuBlock[];
  private readonly conv1: Conv2d;

  /**
   * @param config `backbone` section: `outputStride` (8 or 16); `pretrained`
   *   is loaded by the trainer
   * @param rng generator the initial weights are drawn from (He-normal)
   */
  constructor(config: MobileNetEdgeTpuConfig, rng: Rng) {
    super();
    const plan = mobileNetEdgeTpuPlan(config.outputStride);
    this.outputStride = config.outputStride;
    this.stem = this.addChild('stem', new Conv2d(3, plan.stemChannels, { kernelSize: 3, stride: 2 }, rng));
    this.blocks = plan.blocks.map((spec, i) => this.addChild(`block${i}`, new EdgeTpuBlock(spec, rng)));
    const last = plan.blocks[plan.blocks.length - 1].outChannels;
    this.conv1 = this.addChild('conv1', new Conv2d(last, plan.finalChannels, { kernelSize: 1 }, rng));
  }

  forward(x: tf.Tensor4D, _ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.blocks.reduce((y, block) => block.forward(y), tf.relu(this.stem.forward(x)) as tf.Tensor4D);
      return tf.relu(this.conv1.forward(h));
    });
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const stem = g.op('Relu', [this.stem.toOnnx(g, x, `${name}.stem`)], {}, `${name}.stem.relu`);
    const h = this.blocks.reduce((y, block, i) => block.toOnnx(g, y, `${name}.block${i}`), stem);
    return g.op('Relu', [this.conv1.toOnnx(g, h, `${name}.conv1`)], {}, `${name}.conv1.relu`);
  }
}

/** Feature shape and conv FLOPs of MobileNet-EdgeTPU for one `height` x `width` image. */
function analyzeMobileNetEdgeTpu(config: MobileNetEdgeTpuConfig, height: number, width: number): BackboneAnalysis {
  const plan = mobileNetEdgeTpuPlan(config.outputStride);
  let h = convOutputSize(height, 3, 2, 1, 'same');
  let w = convOutputSize(width, 3, 2, 1, 'same');
  let flops = convFlops(h, w, 3, 3, plan.stemChannels);
  for (const b of plan.blocks) {
    const inH = h;
    const inW = w;
    h = convOutputSize(h, b.kernel, b.stride, b.dilation, 'same');
    w = convOutputSize(w, b.kernel, b.stride, b.dilation, 'same');
    if (b.kind === 'fused') flops += convFlops(h, w, b.kernel, b.inChannels, b.hiddenChannels);
    if (b.kind === 'inverted') flops += convFlops(inH, inW, 1, b.inChannels, b.hiddenChannels) + depthwiseFlops(h, w, b.kernel, b.hiddenChannels);
    flops += convFlops(h, w, 1, b.hiddenChannels, b.outChannels);
  }
  flops += convFlops(h, w, 1, plan.blocks[plan.blocks.length - 1].outChannels, plan.finalChannels);
  return { height: h, width: w, channels: plan.finalChannels, flops };
}

registerBackbone('mobilenet-edgetpu', {
  schema: mobilenetEdgeTpuBackboneSchema,
  build: (config, rng) => new MobileNetEdgeTpu(config, rng),
  analyze: (config, height, width) => analyzeMobileNetEdgeTpu(config, height, width),
});
