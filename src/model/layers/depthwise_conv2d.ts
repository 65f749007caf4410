/** Depthwise convolution layer (NHWC input, [k, k, C, 1] weight) on the project's `depthwiseConv2d` op. */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseConv2d } from '../../engine/ops';
import { Rng } from '../../util/rng';
import type { OnnxGraph } from '../../onnx/graph';
import { hwioToOihw, onnxPadding } from '../../onnx/layout';
import { Module } from '../module';
import { initWeight } from './init';

/**
 * One 3x3 (or k x k) filter per channel: `y_c = conv(x_c, weight_c) + bias_c`.
 * Variables: `weight` [k, k, channels, 1] and `bias` [channels] (zero).
 * Padding is 'same' (symmetric, dilation·(k−1)/2 on each side) or 'tf-same'.
 */
export class DepthwiseConv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  /**
   * @param channels channels of the input and the output
   * @param kernelSize side of the square kernel (odd)
   * @param stride step between output positions
   * @param dilation spacing between kernel taps (atrous)
   * @param rng generator the weights are drawn from (He-normal, fan-in k·k)
   * @param padding 'same' (symmetric) or 'tf-same' (TensorFlow's SAME)
   */
  constructor(
    readonly channels: number,
    readonly kernelSize: number,
    readonly stride: number,
    readonly dilation: number,
    rng: Rng,
    readonly padding: 'same' | 'tf-same' = 'same',
  ) {
    super();
    const k = kernelSize;
    this.weight = this.addVariable('weight', initWeight(rng, [k, k, channels, 1], k * k));
    this.bias = this.addVariable('bias', tf.zeros([channels]));
  }

  /** Applies the convolution to `x` [batch, height, width, channels]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() =>
      tf.add(depthwiseConv2d(x, this.weight as tf.Tensor4D, { stride: this.stride, dilation: this.dilation, padding: this.padding }), this.bias),
    );
  }

  /** The same convolution as a grouped ONNX `Conv` node (one group per channel) on NCHW value `x`. */
  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const k = this.kernelSize;
    const c = this.channels;
    const w = g.weight(`${name}.weight`, hwioToOihw(this.weight.dataSync() as Float32Array, k, k, c, 1), [c, 1, k, k]);
    const b = g.weight(`${name}.bias`, this.bias.dataSync() as Float32Array, [c]);
    const attrs = { kernel_shape: { ints: [k, k] }, strides: { ints: [this.stride, this.stride] }, dilations: { ints: [this.dilation, this.dilation] }, group: { i: c } };
    return g.op('Conv', [x, w, b], { ...attrs, ...onnxPadding(this.padding, k, this.dilation, this.stride) }, name);
  }

}

/** Multiply-adds x2 of a depthwise convolution producing an `outHeight` x `outWidth` x `channels` map. */
export function depthwiseFlops(outHeight: number, outWidth: number, kernelSize: number, channels: number): number {
  return 2 * outHeight * outWidth * kernelSize * kernelSize * channels;
}
