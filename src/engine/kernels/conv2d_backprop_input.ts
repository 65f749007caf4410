/**
 * Input gradient of a 2-D convolution computed with forward convolutions only
 * (the fast path of the wasm backend): for stride 1 it is one convolution of
 * dy with the flipped, transposed filter (same dilation); for stride s it is
 * split into s×s phases, each a stride-1 convolution with a sub-kernel, and
 * the phases are interleaved. No multiply touches an inserted zero.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvGeometry, ConvPad, convGeometry, inputPhase } from '../conv_geometry';
import { interleavePhases } from '../tensor_util';
import { asBackendKernel } from './kernel_bridge';

/**
 * dx of `conv2d(x, filter, strides, pad, dilations)` for x of shape `xShape`,
 * given dy. Runs on the active backend through tf ops.
 */
export function conv2dBackpropInputImpl(
  xShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: ConvPad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const g = convGeometry(xShape, filter.shape, strides, dilations, pad, dimRoundingMode);
  if (dy.shape[1] !== g.h.outSize || dy.shape[2] !== g.w.outSize || dy.shape[3] !== g.outChannels) {
    throw new Error(`conv2d backprop input: dy shape ${dy.shape} does not match the convolution output`);
  }
  return tf.tidy(() => {
    const sh = g.h.stride;
    const sw = g.w.stride;
    const hq = Math.ceil(g.h.inSize / sh);
    const wq = Math.ceil(g.w.inSize / sw);
    const rows = tapRows(filter);
    const phases: tf.Tensor4D[] = [];
    for (let rh = 0; rh < sh; rh++) {
      for (let rw = 0; rw < sw; rw++) phases.push(phaseGradient(g, dy, rows, filter.shape, rh, rw, hq, wq));
    }
    const full = sh === 1 && sw === 1 ? phases[0] : interleavePhases(phases, sh, sw);
    if (full.shape[1] === g.h.inSize && full.shape[2] === g.w.inSize) return full;
    return tf.slice(full, [0, 0, 0, 0], [-1, g.h.inSize, g.w.inSize, -1]);
  });
}

/** One phase (input rows ≡ rh mod sh, columns ≡ rw mod sw): a stride-1 conv of dy. */
function phaseGradient(
  g: ConvGeometry,
  dy: tf.Tensor4D,
  rows: tf.Tensor2D,
  filterShape: [number, number, number, number],
  rh: number,
  rw: number,
  hq: number,
  wq: number,
): tf.Tensor4D {
  const ph = inputPhase(g.h, rh, hq);
  const pw = inputPhase(g.w, rw, wq);
  if (ph === null || pw === null) return tf.zeros([g.batch, hq, wq, g.inChannels]);
  const sub = subKernel(rows, filterShape, ph.firstTap, ph.tapStep, ph.taps, pw.firstTap, pw.tapStep, pw.taps);
  const needsCrop = ph.cropStart > 0 || ph.cropEnd < g.h.outSize || pw.cropStart > 0 || pw.cropEnd < g.w.outSize;
  const src = needsCrop
    ? tf.slice(dy, [0, ph.cropStart, pw.cropStart, 0], [-1, ph.cropEnd - ph.cropStart, pw.cropEnd - pw.cropStart, -1])
    : dy;
  const pads: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [ph.padBefore, ph.padAfter],
    [pw.padBefore, pw.padAfter],
    [0, 0],
  ];
  const allZero = pads.every(([a, b]) => a === 0 && b === 0);
  return tf.conv2d(src, sub, 1, allZero ? 'valid' : pads, 'NHWC', [ph.dilation, pw.dilation]);
}

/** The filter with in/out channels swapped, one row per tap: [kh·kw, Cout·Cin]. */
function tapRows(filter: tf.Tensor4D): tf.Tensor2D {
  const [kh, kw, cin, cout] = filter.shape;
  return tf.reshape(tf.transpose(filter, [0, 1, 3, 2]), [kh * kw, cout * cin]);
}

/**
 * Taps first + m·step (m < n) of both axes, in flipped order, as an HWIO
 * filter [hn, wn, Cout, Cin]. Built from contiguous row slices: the backends'
 * Reverse and Gather kernels are element-wise and far slower.
 */
function subKernel(
  rows: tf.Tensor2D,
  filterShape: [number, number, number, number],
  h0: number,
  hStep: number,
  hn: number,
  w0: number,
  wStep: number,
  wn: number,
): tf.Tensor4D {
  const [, kw, cin, cout] = filterShape;
  const picked: tf.Tensor2D[] = [];
  for (let a = hn - 1; a >= 0; a--) {
    for (let b = wn - 1; b >= 0; b--) {
      const tap = (h0 + a * hStep) * kw + (w0 + b * wStep);
      picked.push(tf.slice(rows, [tap, 0], [1, cout * cin]));
    }
  }
  return tf.reshape(picked.length === 1 ? picked[0] : tf.concat(picked, 0), [hn, wn, cout, cin]);
}

/** wasm kernel `Conv2DBackpropInput` (dilation 1, as tfjs defines the kernel). */
export const conv2dBackpropInputKernel = asBackendKernel('Conv2DBackpropInput', (inputs, attrs) => {
  const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput: only NHWC is supported');
  return conv2dBackpropInputImpl(
    a.inputShape as [number, number, number, number],
    dy,
    filter,
    a.strides,
    1,
    a.pad as ConvPad,
    a.dimRoundingMode,
  );
});
