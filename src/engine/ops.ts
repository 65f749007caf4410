/**
 * Differentiable ops the models use, with the conventions of the project
 * (NHWC tensors, HWIO filters).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Conv2dOptions {
  stride?: number;
  dilation?: number;
  /** 'same' or an explicit symmetric zero padding in pixels. */
  padding?: 'same' | 'valid' | number;
}

/**
 * 2-D convolution with exact gradients for any dilation. A dilated conv runs
 * as space-to-batch → plain conv → batch-to-space, ops that tfjs can differentiate.
 */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, opts: Conv2dOptions = {}): tf.Tensor4D {
  const stride = opts.stride ?? 1;
  const dilation = opts.dilation ?? 1;
  const kh = filter.shape[0];
  const kw = filter.shape[1];
  let pad: number | 'valid';
  if (opts.padding === undefined || opts.padding === 'same') {
    if (kh !== kw || kh % 2 !== 1) throw new Error(`'same' padding needs an odd square kernel, got ${kh}x${kw}`);
    pad = (dilation * (kh - 1)) / 2;
  } else pad = opts.padding;
  if (dilation === 1) {
    if (pad === 'valid' || pad === 0) return tf.conv2d(x, filter, stride, 'valid');
    return tf.conv2d(x, filter, stride, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
  }
  if (stride !== 1) throw new Error('dilated convolution with stride > 1 is not supported');
  return tf.tidy(() => {
    const p = pad === 'valid' ? 0 : pad;
    const padded = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) : x;
    const [, h, w] = padded.shape;
    const outH = h - dilation * (kh - 1);
    const outW = w - dilation * (kw - 1);
    // Pad the spatial size up to a multiple of the dilation for space-to-batch.
    const extraH = (dilation - (h % dilation)) % dilation;
    const extraW = (dilation - (w % dilation)) % dilation;
    const s2b = tf.spaceToBatchND(padded, [dilation, dilation], [[0, extraH], [0, extraW]]);
    const y = tf.conv2d(s2b as tf.Tensor4D, filter, 1, 'valid');
    const b2s = tf.batchToSpaceND(y, [dilation, dilation], [[0, 0], [0, 0]]) as tf.Tensor4D;
    return tf.slice(b2s, [0, 0, 0, 0], [-1, outH, outW, -1]);
  });
}
