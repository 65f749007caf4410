/**
 * Input gradient of a 2-D convolution computed with forward convolutions only
 * (the fast path of the wasm backend): for stride 1 it is one convolution of
 * dy with the flipped, transposed filter (same dilation); for stride s it is
 * split into s×s phases, each a stride-1 convolution with a sub-kernel, and
 * the phases are interleaved. No multiply touches an inserted zero.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvGeometry, ConvPad, convGeometry, inputPhase } from '../conv_geometry';
import { interleavePhases, sliceMerged } from '../tensor_util';
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
    const phases: tf.Tensor4D[] = [];
    for (let rh = 0; rh < sh; rh++) {
      for (let rw = 0; rw < sw; rw++) phases.push(phaseGradient(g, dy, filter, rh, rw, hq, wq));
    }
    const full = sh === 1 && sw === 1 ? phases[0] : interleavePhases(phases, sh, sw);
    if (full.shape[1] === g.h.inSize && full.shape[2] === g.w.inSize) return full;
    return sliceMerged(full, [0, 0, 0, 0], [-1, g.h.inSize, g.w.inSize, -1]);
  });
}

/** One phase (input rows ≡ rh mod sh, columns ≡ rw mod sw): a stride-1 conv of dy. */
function phaseGradient(
  g: ConvGeometry,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  rh: number,
  rw: number,
  hq: number,
  wq: number,
): tf.Tensor4D {
  const ph = inputPhase(g.h, rh, hq);
  const pw = inputPhase(g.w, rw, wq);
  if (ph === null || pw === null) return tf.zeros([g.batch, hq, wq, g.inChannels]);
  const sub = subKernel(filter, ph.firstTap, ph.tapStep, ph.taps, pw.firstTap, pw.tapStep, pw.taps);
  const needsCrop = ph.cropStart > 0 || ph.cropEnd < g.h.outSize || pw.cropStart > 0 || pw.cropEnd < g.w.outSize;
  const src = needsCrop
    ? sliceMerged(dy, [0, ph.cropStart, pw.cropStart, 0], [-1, ph.cropEnd - ph.cropStart, pw.cropEnd - pw.cropStart, -1])
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

/** Taps first + m·step (m < n) of both axes, flipped and with in/out channels swapped. */
function subKernel(
  filter: tf.Tensor4D,
  h0: number,
  hStep: number,
  hn: number,
  w0: number,
  wStep: number,
  wn: number,
): tf.Tensor4D {
  const [kh, kw] = filter.shape;
  let sub = filter;
  if (h0 !== 0 || w0 !== 0 || hStep !== 1 || wStep !== 1 || hn !== kh || wn !== kw) {
    sub = tf.stridedSlice(
      filter,
      [h0, w0, 0, 0],
      [h0 + (hn - 1) * hStep + 1, w0 + (wn - 1) * wStep + 1, filter.shape[2], filter.shape[3]],
      [hStep, wStep, 1, 1],
    ) as tf.Tensor4D;
  }
  return tf.transpose(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]);
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
