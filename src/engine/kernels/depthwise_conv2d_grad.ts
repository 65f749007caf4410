/**
 * Gradient of `DepthwiseConv2dNative` for every stride, dilation, padding and
 * channel multiplier, on wasm (which has no depthwise backprop kernels) and
 * cpu (whose gradient rejects dilation > 1).
 *
 * - cpu (the reference): both backprop kernels as direct loops.
 * - wasm: dx is a forward depthwise conv (XNNPACK) of the zero-interleaved,
 *   padded dy with the flipped filter, 7x faster than the loop; dW runs on
 *   the project's SIMD kernel (engine/wasm), about 10x faster than the loop.
 *   Channel multipliers above 1 use the loops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { pair } from '../conv_geometry';
import { depthwiseFilterGradWasm } from '../wasm/engine_wasm';
import type { ArrayKernel } from './array_kernel';
import { asBackendKernel } from './kernel_bridge';

type DepthwiseAttrs = {
  strides: number | [number, number];
  pad: tf.DepthwiseConv2dNativeAttrs['pad'];
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: DepthwiseAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(attrs.strides),
    pair(attrs.dilations ?? 1),
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
}

/**
 * The shared loop of both kernels: for every output pixel and tap that reads
 * an input pixel, `dir` 0 adds dy·filter to dx, 1 adds x·dy to dW. One
 * function with the branch outside the channel loop keeps V8 monomorphic.
 */
function depthwiseBackprop(
  info: tf.backend_util.Conv2DInfo,
  dir: 0 | 1,
  x: tf.TypedArray,
  dy: tf.TypedArray,
  w: tf.TypedArray,
): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: KH, filterWidth: KW } = info;
  const M = info.outChannels / C;
  const CM = C * M;
  const { top, left } = info.padInfo;
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let kh = 0; kh < KH; kh++) {
        const h = oh * sh + kh * dh - top;
        if (h < 0 || h >= H) continue;
        const rowBase = (b * H + h) * W;
        for (let ow = 0; ow < OW; ow++) {
          const dyBase = ((b * OH + oh) * OW + ow) * CM;
          for (let kw = 0; kw < KW; kw++) {
            const col = ow * sw + kw * dw - left;
            if (col < 0 || col >= W) continue;
            const xBase = (rowBase + col) * C;
            const wBase = (kh * KW + kw) * CM;
            if (M === 1) {
              if (dir === 0) for (let c = 0; c < C; c++) x[xBase + c] += dy[dyBase + c] * w[wBase + c];
              else for (let c = 0; c < C; c++) w[wBase + c] += x[xBase + c] * dy[dyBase + c];
            } else if (dir === 0) {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let j = 0; j < M; j++) s += dy[dyBase + c * M + j] * w[wBase + c * M + j];
                x[xBase + c] += s;
              }
            } else {
              for (let c = 0; c < C; c++) {
                const v = x[xBase + c];
                for (let j = 0; j < M; j++) w[wBase + c * M + j] += v * dy[dyBase + c * M + j];
              }
            }
          }
        }
      }
}

/** Pads (positive) or crops (negative) `x` along H and W. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const crop = [Math.max(0, -top), Math.max(0, -bottom), Math.max(0, -left), Math.max(0, -right)];
  let y = x;
  if (crop.some((c) => c > 0)) y = tf.slice(y, [0, crop[0], crop[2], 0], [-1, h - crop[0] - crop[1], w - crop[2] - crop[3], -1]);
  const pads = [Math.max(0, top), Math.max(0, bottom), Math.max(0, left), Math.max(0, right)];
  return pads.some((p) => p > 0) ? tf.pad(y, [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]]) : y;
}

/** `stride − 1` zeros after every row and column of `dy` (the last ones dropped): one pad of a reshaped view. */
function zeroInterleave(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [b, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [b, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.slice(tf.reshape(spread, [b, h * sh, w * sw, c]) as tf.Tensor4D, [0, 0, 0, 0], [-1, (h - 1) * sh + 1, (w - 1) * sw + 1, -1]);
}

/**
 * The wasm `DepthwiseConv2dNativeBackpropInput` kernel: dx as a forward conv,
 * a stride-1 correlation of the zero-interleaved dy, padded so that it lands
 * on every input pixel, with the flipped filter.
 */
export const depthwiseBackpropInputWasmKernel = asBackendKernel('DepthwiseConv2dNativeBackpropInput', ({ dy, filter }, attrs) => {
  const info = depthwiseInfo(attrs.inputShape as number[], filter.shape, attrs as unknown as DepthwiseAttrs);
  if (info.outChannels !== info.inChannels) {
    // Channel multipliers above 1: the loop over the backend's arrays.
    const dx = new Float32Array(tf.util.sizeFromShape(attrs.inputShape as number[]));
    depthwiseBackprop(info, 0, dx, dy.dataSync(), filter.dataSync());
    return tf.tensor(dx, attrs.inputShape as number[]);
  }
  const { inHeight, inWidth, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const up = zeroInterleave(dy as tf.Tensor4D, sh, sw);
  const spanH = (info.filterHeight - 1) * dh;
  const spanW = (info.filterWidth - 1) * dw;
  const top = spanH - info.padInfo.top;
  const left = spanW - info.padInfo.left;
  const padded = padOrCrop(up, top, inHeight + spanH - top - up.shape[1], left, inWidth + spanW - left - up.shape[2]);
  return tf.depthwiseConv2d(padded, tf.reverse(filter, [0, 1]) as tf.Tensor4D, 1, 'valid', 'NHWC', [dh, dw]);
});

/** dx = Σ over taps of dy · filter, scattered to the pixel each tap read. */
export const depthwiseBackpropInputKernel: ArrayKernel = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  inputs: ['dy', 'filter'],
  outShape: (_inputs, attrs) => attrs.inputShape as number[],
  compute: ([dy, filter], dx, inputs, attrs) => {
    const info = depthwiseInfo(attrs.inputShape as number[], inputs[1].shape, attrs as unknown as DepthwiseAttrs);
    depthwiseBackprop(info, 0, dx, dy, filter);
  },
};

/** dW = Σ over positions of x · dy, per tap and channel. */
export const depthwiseBackpropFilterKernel: ArrayKernel = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  inputs: ['x', 'dy'],
  outShape: (_inputs, attrs) => attrs.filterShape as number[],
  compute: ([x, dy], dwOut, inputs, attrs) => {
    const info = depthwiseInfo(inputs[0].shape, attrs.filterShape as number[], attrs as unknown as DepthwiseAttrs);
    const simd = info.outChannels === info.inChannels && x instanceof Float32Array && dy instanceof Float32Array;
    if (!(simd && depthwiseFilterGradWasm(info, x, dy, dwOut))) depthwiseBackprop(info, 1, x, dy, dwOut);
  },
};

/** Gradient config replacing tfjs's DepthwiseConv2dNative gradient (which rejects dilation > 1). */
export const depthwiseConv2dGradConfig: tf.GradConfig = {
  kernelName: 'DepthwiseConv2dNative',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as tf.DepthwiseConv2dNativeAttrs;
    if (a.dataFormat === 'NCHW') throw new Error('DepthwiseConv2dNative gradient: only NHWC is supported');
    const common = { strides: a.strides, pad: a.pad, dilations: a.dilations ?? 1, dimRoundingMode: a.dimRoundingMode };
    return {
      x: () =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dy as tf.Tensor, filter }, {
          ...common,
          inputShape: x.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
      filter: () =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: dy as tf.Tensor }, {
          ...common,
          filterShape: filter.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
    };
  },
};
