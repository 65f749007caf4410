/**
 * Differentiable ops the models use, with the conventions of the project
 * (NHWC tensors, HWIO filters).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerProjectKernels } from './kernels';

// Models may run without `initBackend` (e.g. in tests); the gradients must be there anyway.
registerProjectKernels();

export interface Conv2dOptions {
  stride?: number;
  dilation?: number;
  /**
   * 'same' (odd square kernel, symmetric padding), 'tf-same' (TensorFlow's
   * 'SAME': at stride 2 on an even size the extra pad goes after, as the
   * published TF weights were trained), 'valid', or an explicit symmetric
   * zero padding in pixels.
   */
  padding?: 'same' | 'tf-same' | 'valid' | number;
}

/**
 * 2-D convolution with exact gradients for any dilation. Dilated convolutions
 * run natively (the backend's forward conv); their gradients come from the
 * project's `Conv2D` gradient (`engine/kernels/conv2d_grad.ts`, installed by
 * `initBackend`). Measured on wasm, this is 2-5× faster than the
 * space-to-batch formulation, forward and backward.
 */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, opts: Conv2dOptions = {}): tf.Tensor4D {
  const stride = opts.stride ?? 1;
  const dilation = opts.dilation ?? 1;
  const kh = filter.shape[0];
  const kw = filter.shape[1];
  if (stride > 1 && dilation > 1) {
    throw new Error(`conv2d: stride ${stride} with dilation ${dilation} is not supported (one of them must be 1)`);
  }
  return tf.conv2d(x, filter, stride, symmetricPadding('conv2d', kh, kw, dilation, opts.padding), 'NHWC', dilation);
}

/**
 * Depthwise 2-D convolution (filter [k, k, C, multiplier]) with 'same'
 * meaning symmetric padding, as `conv2d`. Gradients for every stride and
 * dilation come from the project's `DepthwiseConv2dNative` gradient.
 */
export function depthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, opts: Conv2dOptions = {}): tf.Tensor4D {
  const stride = opts.stride ?? 1;
  const dilation = opts.dilation ?? 1;
  if (stride > 1 && dilation > 1) {
    throw new Error(`depthwiseConv2d: stride ${stride} with dilation ${dilation} is not supported (one of them must be 1)`);
  }
  const padding = symmetricPadding('depthwiseConv2d', filter.shape[0], filter.shape[1], dilation, opts.padding);
  return tf.depthwiseConv2d(x, filter, stride, padding, 'NHWC', dilation);
}

/** The tfjs padding of a `Conv2dOptions.padding`: 'same' is dilation·(k−1)/2 on every side; tfjs's own 'same' is TF's. */
function symmetricPadding(
  op: string,
  kh: number,
  kw: number,
  dilation: number,
  padding: Conv2dOptions['padding'],
): 'valid' | 'same' | tf.backend_util.ExplicitPadding {
  if (padding === 'tf-same') return 'same';
  let pad: number | 'valid';
  if (padding === undefined || padding === 'same') {
    if (kh !== kw || kh % 2 !== 1) throw new Error(`${op}: 'same' padding needs an odd square kernel, got ${kh}x${kw}`);
    pad = (dilation * (kh - 1)) / 2;
  } else pad = padding;
  return pad === 'valid' || pad === 0 ? 'valid' : [[0, 0], [pad, pad], [pad, pad], [0, 0]];
}
