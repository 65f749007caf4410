/** Convolution layer (NHWC input, HWIO weight) on the project's `conv2d` op. */
import * as tf from '@tensorflow/tfjs-core';
import { conv2d } from '../../engine/ops';
import { Rng } from '../../util/rng';
import type { OnnxGraph } from '../../onnx/graph';
import { hwioToOihw, onnxPadding } from '../../onnx/layout';
import { Module } from '../module';
import { initWeight, WeightInit } from './init';

/** Settings of a `Conv2d` layer. */
export interface Conv2dLayerOptions {
  /** Side of the square kernel. */
  kernelSize: number;
  /** Step between output positions (default 1). */
  stride?: number;
  /** Spacing between kernel taps, for atrous convolution (default 1). */
  dilation?: number;
  /** `same` (default: dilation*(k-1)/2 on each side), `tf-same` (TensorFlow's SAME), `valid`, or explicit zero padding in pixels. */
  padding?: 'same' | 'tf-same' | 'valid' | number;
  /** Add a learned per-channel bias (default true; off before BatchNorm). */
  bias?: boolean;
  /** Weight initializer (default He-normal); the bias starts at zero. */
  init?: WeightInit;
}

/**
 * 2-D convolution: `y = conv(x, weight) + bias`. Variables: `weight`
 * [k, k, inChannels, outChannels] and, if enabled, `bias` [outChannels].
 */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padding: 'same' | 'tf-same' | 'valid' | number;

  /**
   * @param inChannels channels of the input
   * @param outChannels channels of the output (number of filters)
   * @param options kernel, stride, dilation, padding, bias and initializer
   * @param rng generator the weights are drawn from
   */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    options: Conv2dLayerOptions,
    rng: Rng,
  ) {
    super();
    this.kernelSize = options.kernelSize;
    this.stride = options.stride ?? 1;
    this.dilation = options.dilation ?? 1;
    this.padding = options.padding ?? 'same';
    const k = this.kernelSize;
    this.weight = this.addVariable(
      'weight',
      initWeight(rng, [k, k, inChannels, outChannels], k * k * inChannels, options.init),
    );
    this.bias = options.bias === false ? null : this.addVariable('bias', tf.zeros([outChannels]));
  }

  /** Applies the convolution to `x` [batch, height, width, inChannels]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const y = conv2d(x, this.weight as tf.Tensor4D, {
        stride: this.stride,
        dilation: this.dilation,
        padding: this.padding,
      });
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  /** The same convolution as an ONNX `Conv` node on NCHW value `x`; `name` is the module path. */
  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const k = this.kernelSize;
    const w = hwioToOihw(this.weight.dataSync() as Float32Array, k, k, this.inChannels, this.outChannels);
    const inputs = [x, g.weight(`${name}.weight`, w, [this.outChannels, this.inChannels, k, k])];
    if (this.bias) inputs.push(g.weight(`${name}.bias`, this.bias.dataSync() as Float32Array, [this.outChannels]));
    const attrs = { kernel_shape: { ints: [k, k] }, strides: { ints: [this.stride, this.stride] }, dilations: { ints: [this.dilation, this.dilation] } };
    return g.op('Conv', inputs, { ...attrs, ...onnxPadding(this.padding, k, this.dilation, this.stride) }, name);
  }
}

/** Output length of a convolution or pooling along one axis. */
export function convOutputSize(
  size: number,
  kernelSize: number,
  stride: number,
  dilation: number,
  padding: 'same' | 'valid' | number,
): number {
  const span = dilation * (kernelSize - 1) + 1;
  const pad = padding === 'same' ? (dilation * (kernelSize - 1)) / 2 : padding === 'valid' ? 0 : padding;
  return Math.floor((size + 2 * pad - span) / stride) + 1;
}

/** Multiply-adds x2 of one convolution producing an `outHeight` x `outWidth` map for one sample. */
export function convFlops(
  outHeight: number,
  outWidth: number,
  kernelSize: number,
  inChannels: number,
  outChannels: number,
): number {
  return 2 * outHeight * outWidth * kernelSize * kernelSize * inChannels * outChannels;
}
