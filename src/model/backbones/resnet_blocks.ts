/** Residual blocks of ResNet: basic (ResNet-18/34) and bottleneck (ResNet-50/101). */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { BatchNorm2d } from '../layers/batchnorm';
import { Conv2d, convFlops, convOutputSize } from '../layers/conv2d';
import type { OnnxGraph } from '../../onnx/graph';
import { ForwardContext, Module } from '../module';

/** Shape of one residual block. */
export interface ResBlockSpec {
  inChannels: number;
  /** Channels inside the block ("planes"). */
  midChannels: number;
  /** Channels of the block's output (midChannels x expansion). */
  outChannels: number;
  /** Stride of the block's spatial conv (1 or 2). */
  stride: number;
  /** Dilation of the block's 3x3 convs. */
  dilation: number;
}

/** A residual block: `relu(body(x) + shortcut(x))`. */
export interface ResBlock extends Module {
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
  toOnnx(g: OnnxGraph, x: string, name: string): string;
}

/** Convolution without bias followed by BatchNorm. Variables `conv.weight`, `bn.*`. */
export class ConvBn extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  /**
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernelSize side of the square kernel ('same' padding)
   * @param stride conv stride
   * @param dilation conv dilation
   * @param rng generator the weights are drawn from
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number, stride: number, dilation: number, rng: Rng) {
    super();
    this.conv = this.addChild('conv', new Conv2d(inChannels, outChannels, { kernelSize, stride, dilation, bias: false }, rng));
    this.bn = this.addChild('bn', new BatchNorm2d(outChannels));
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => this.bn.forward(this.conv.forward(x), ctx));
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    return this.bn.toOnnx(g, this.conv.toOnnx(g, x, `${name}.conv`), `${name}.bn`);
  }
}

/** 1x1 projection shortcut when the block changes stride or channels, else none. */
function shortcut(spec: ResBlockSpec, rng: Rng): ConvBn | null {
  if (spec.stride === 1 && spec.inChannels === spec.outChannels) return null;
  return new ConvBn(spec.inChannels, spec.outChannels, 1, spec.stride, 1, rng);
}

/** Two 3x3 convs (stride on the first). Children `conv1`, `conv2`, `downsample`. */
export class BasicBlock extends Module implements ResBlock {
  static readonly expansion = 1;
  private readonly conv1: ConvBn;
  private readonly conv2: ConvBn;
  private readonly downsample: ConvBn | null;

  /** @param spec block shape; @param rng generator the weights are drawn from */
  constructor(spec: ResBlockSpec, rng: Rng) {
    super();
    this.conv1 = this.addChild('conv1', new ConvBn(spec.inChannels, spec.midChannels, 3, spec.stride, spec.dilation, rng));
    this.conv2 = this.addChild('conv2', new ConvBn(spec.midChannels, spec.outChannels, 3, 1, spec.dilation, rng));
    const down = shortcut(spec, rng);
    this.downsample = down ? this.addChild('downsample', down) : null;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      const body = this.conv2.forward(tf.relu(this.conv1.forward(x, ctx)), ctx);
      const skip = this.downsample ? this.downsample.forward(x, ctx) : x;
      return tf.relu(tf.add(body, skip)) as tf.Tensor4D;
    });
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const a = g.op('Relu', [this.conv1.toOnnx(g, x, `${name}.conv1`)], {}, `${name}.relu1`);
    const body = this.conv2.toOnnx(g, a, `${name}.conv2`);
    const skip = this.downsample ? this.downsample.toOnnx(g, x, `${name}.downsample`) : x;
    return g.op('Relu', [g.op('Add', [body, skip], {}, `${name}.add`)], {}, `${name}.relu`);
  }
}

/** 1x1 reduce, 3x3 (stride here, as ResNet v1.5), 1x1 expand. Children `conv1..3`, `downsample`. */
export class Bottleneck extends Module implements ResBlock {
  static readonly expansion = 4;
  private readonly conv1: ConvBn;
  private readonly conv2: ConvBn;
  private readonly conv3: ConvBn;
  private readonly downsample: ConvBn | null;

  /** @param spec block shape; @param rng generator the weights are drawn from */
  constructor(spec: ResBlockSpec, rng: Rng) {
    super();
    this.conv1 = this.addChild('conv1', new ConvBn(spec.inChannels, spec.midChannels, 1, 1, 1, rng));
    this.conv2 = this.addChild('conv2', new ConvBn(spec.midChannels, spec.midChannels, 3, spec.stride, spec.dilation, rng));
    this.conv3 = this.addChild('conv3', new ConvBn(spec.midChannels, spec.outChannels, 1, 1, 1, rng));
    const down = shortcut(spec, rng);
    this.downsample = down ? this.addChild('downsample', down) : null;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      const a = tf.relu(this.conv1.forward(x, ctx));
      const b = tf.relu(this.conv2.forward(a, ctx));
      const body = this.conv3.forward(b, ctx);
      const skip = this.downsample ? this.downsample.forward(x, ctx) : x;
      return tf.relu(tf.add(body, skip)) as tf.Tensor4D;
    });
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const a = g.op('Relu', [this.conv1.toOnnx(g, x, `${name}.conv1`)], {}, `${name}.relu1`);
    const b = g.op('Relu', [this.conv2.toOnnx(g, a, `${name}.conv2`)], {}, `${name}.relu2`);
    const body = this.conv3.toOnnx(g, b, `${name}.conv3`);
    const skip = this.downsample ? this.downsample.toOnnx(g, x, `${name}.downsample`) : x;
    return g.op('Relu', [g.op('Add', [body, skip], {}, `${name}.add`)], {}, `${name}.relu`);
  }
}

/** Output size and conv FLOPs (one sample) of a block on a `height` x `width` input. */
export function blockFlops(
  kind: 'basic' | 'bottleneck',
  spec: ResBlockSpec,
  height: number,
  width: number,
): { height: number; width: number; flops: number } {
  const oh = convOutputSize(height, 3, spec.stride, spec.dilation, 'same');
  const ow = convOutputSize(width, 3, spec.stride, spec.dilation, 'same');
  let flops =
    kind === 'basic'
      ? convFlops(oh, ow, 3, spec.inChannels, spec.midChannels) + convFlops(oh, ow, 3, spec.midChannels, spec.outChannels)
      : convFlops(height, width, 1, spec.inChannels, spec.midChannels) +
        convFlops(oh, ow, 3, spec.midChannels, spec.midChannels) +
        convFlops(oh, ow, 1, spec.midChannels, spec.outChannels);
  if (spec.stride !== 1 || spec.inChannels !== spec.outChannels) {
    flops += convFlops(oh, ow, 1, spec.inChannels, spec.outChannels);
  }
  return { height: oh, width: ow, flops };
}
