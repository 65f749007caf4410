/**
 * Filter gradient of a 2-D convolution as matrix products with the big
 * dimension (positions) as the reduction: dW[i, j] = X_shift(i, j)ᵀ · dy.
 * The input is zero-padded, split into stride phases and laid out
 * channel-major over positions (h, w, batch innermost), so the samples a tap
 * reads form one contiguous column window per channel (the shift becomes a
 * column offset; positions that wrap into the next image row meet zero
 * columns of dy). dy is the right-hand matrix, shared by all taps, so the
 * matmul packs it once; windows of several taps are stacked into one product.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvPad, FilterTap, convGeometry, filterTap, phaseRows } from '../conv_geometry';
import { asBackendKernel } from './kernel_bridge';

/** Upper bound on the stacked left-hand matrix (floats), to keep memory modest. */
const MAX_STACK_FLOATS = 4 * 1024 * 1024;
/** Skip a tap's all-padding output rows only when that saves at least this fraction. */
const MIN_ROW_SAVING = 1 / 8;

/** dy rows [first, end) a tap reads: the exact range, or all rows when trimming saves little. */
function rowRange(t: FilterTap, outSize: number): [number, number] {
  const saving = (outSize - (t.end - t.first)) / outSize;
  return saving >= MIN_ROW_SAVING ? [t.first, t.end] : [0, outSize];
}

/**
 * dW of `conv2d(x, filter, strides, pad, dilations)` for a filter of shape
 * `filterShape` (HWIO), given dy. Runs on the active backend through tf ops.
 */
export function conv2dBackpropFilterImpl(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: ConvPad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const g = convGeometry(x.shape, filterShape, strides, dilations, pad, dimRoundingMode);
  const [b, outH, outW, cout] = dy.shape;
  if (b !== g.batch || outH !== g.h.outSize || outW !== g.w.outSize || cout !== g.outChannels) {
    throw new Error(`conv2d backprop filter: dy shape ${dy.shape} does not match the convolution output`);
  }
  const [kh, kw, cin] = filterShape;
  return tf.tidy(() => {
    const sh = g.h.stride;
    const sw = g.w.stride;
    const hq = phaseRows(g.h);
    const wq = phaseRows(g.w);
    // One spare phase row so the last shifted window stays inside the buffer.
    const xp = tf.pad(x, [
      [0, 0],
      [g.h.padBefore, (hq + 1) * sh - g.h.padBefore - g.h.inSize],
      [g.w.padBefore, wq * sw - g.w.padBefore - g.w.inSize],
      [0, 0],
    ]);
    // [phase_h, phase_w, channel] rows × (h, w, batch) columns.
    const xT = tf.reshape(tf.transpose(tf.reshape(xp, [b, hq + 1, sh, wq, sw, cin]), [2, 4, 5, 1, 3, 0]), [
      sh * sw * cin,
      (hq + 1) * wq * b,
    ]) as tf.Tensor2D;
    const dyWide = outW < wq ? tf.pad(dy, [[0, 0], [0, 0], [0, wq - outW], [0, 0]]) : dy;
    const dyRows = tf.reshape(tf.transpose(dyWide, [1, 2, 0, 3]), [outH * wq * b, cout]) as tf.Tensor2D;

    const rowLen = wq * b;
    // Taps grouped by the dy rows they read; each group shares one right-hand matrix.
    const groups = new Map<string, { range: [number, number]; taps: Array<{ tap: number; th: FilterTap; tw: FilterTap }> }>();
    const perTap: tf.Tensor2D[] = new Array(kh * kw);
    for (let i = 0; i < kh; i++) {
      const th = filterTap(g.h, i);
      for (let j = 0; j < kw; j++) {
        const tw = filterTap(g.w, j);
        if (th.end <= th.first || tw.end <= tw.first) {
          perTap[i * kw + j] = tf.zeros([cin, cout]);
          continue;
        }
        const range = rowRange(th, outH);
        const key = `${range[0]}:${range[1]}`;
        const group = groups.get(key) ?? { range, taps: [] };
        group.taps.push({ tap: i * kw + j, th, tw });
        groups.set(key, group);
      }
    }
    for (const { range, taps } of groups.values()) {
      const [a0, a1] = range;
      const len = (a1 - a0) * rowLen;
      const rhs = a0 === 0 && a1 === outH ? dyRows : tf.slice(dyRows, [a0 * rowLen, 0], [len, cout]);
      const chunk = Math.max(1, Math.floor(MAX_STACK_FLOATS / (cin * len)));
      for (let c = 0; c < taps.length; c += chunk) {
        const part = taps.slice(c, c + chunk);
        const windows = part.map(({ th, tw }) => {
          const start = ((a0 + th.shift) * wq + tw.shift) * b;
          return tf.slice(xT, [(th.phase * sw + tw.phase) * cin, start], [cin, len]);
        });
        const lhs = windows.length === 1 ? windows[0] : tf.concat(windows, 0);
        const prod = tf.matMul(lhs, rhs) as tf.Tensor2D;
        if (part.length === 1) perTap[part[0].tap] = prod;
        else tf.split(prod, part.length, 0).forEach((t, k) => (perTap[part[k].tap] = t as tf.Tensor2D));
      }
    }
    return tf.reshape(tf.stack(perTap), [kh, kw, cin, cout]) as tf.Tensor4D;
  });
}

/** wasm kernel `Conv2DBackpropFilter` (dilation 1, as tfjs defines the kernel). */
export const conv2dBackpropFilterKernel = asBackendKernel('Conv2DBackpropFilter', (inputs, attrs) => {
  const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: only NHWC is supported');
  return conv2dBackpropFilterImpl(
    x,
    dy,
    a.filterShape as [number, number, number, number],
    a.strides,
    1,
    a.pad as ConvPad,
    a.dimRoundingMode,
  );
});
