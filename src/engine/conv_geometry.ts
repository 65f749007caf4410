/**
 * Index arithmetic shared by the convolution gradient kernels: how output and
 * input positions of a strided / dilated 2-D convolution map onto each other
 * along one spatial axis.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Padding as tfjs conv ops accept it. */
export type ConvPad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/** One spatial axis of a convolution: y[a] = Σ_i x[a·stride + i·dilation − padBefore] w[i]. */
export interface ConvAxis {
  inSize: number;
  outSize: number;
  kernel: number;
  stride: number;
  dilation: number;
  padBefore: number;
}

/** Full geometry of an NHWC convolution (batch, channels and both spatial axes). */
export interface ConvGeometry {
  batch: number;
  inChannels: number;
  outChannels: number;
  h: ConvAxis;
  w: ConvAxis;
}

/** Normalizes a tfjs stride/dilation argument to a pair. */
export function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * Geometry of `conv2d(x, filter, strides, pad, dilations)` in NHWC with an HWIO filter,
 * computed by tfjs's own shape logic so padding conventions match the forward op exactly.
 */
export function convGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: ConvPad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    pair(strides),
    pair(dilations),
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.strideHeight > 1 && info.dilationHeight > 1) throw new Error('conv: stride and dilation both > 1 (height)');
  if (info.strideWidth > 1 && info.dilationWidth > 1) throw new Error('conv: stride and dilation both > 1 (width)');
  return {
    batch: info.batchSize,
    inChannels: info.inChannels,
    outChannels: info.outChannels,
    h: {
      inSize: info.inHeight,
      outSize: info.outHeight,
      kernel: info.filterHeight,
      stride: info.strideHeight,
      dilation: info.dilationHeight,
      padBefore: info.padInfo.top,
    },
    w: {
      inSize: info.inWidth,
      outSize: info.outWidth,
      kernel: info.filterWidth,
      stride: info.strideWidth,
      dilation: info.dilationWidth,
      padBefore: info.padInfo.left,
    },
  };
}

/**
 * For the input gradient, the input positions a·s + r (phase r) receive
 * contributions from the taps i with (r + padBefore − i·d) ≡ 0 (mod s). They
 * form a stride-1 convolution over dy with the flipped sub-kernel.
 */
export interface InputPhase {
  /** First tap of the phase and the step between its taps (in kernel index). */
  firstTap: number;
  tapStep: number;
  taps: number;
  /** Dilation of the sub-kernel in dy coordinates. */
  dilation: number;
  /** dy range [cropStart, cropEnd) to read, and zero padding around it. */
  cropStart: number;
  cropEnd: number;
  padBefore: number;
  padAfter: number;
}

/**
 * Plans the input-gradient phase `r` of one axis, producing `phaseOut` outputs
 * (positions r, r+s, ...). Returns null when no tap ever reaches this phase.
 */
export function inputPhase(axis: ConvAxis, r: number, phaseOut: number): InputPhase | null {
  const { stride: s, dilation: d, kernel: k, padBefore: pt, outSize } = axis;
  let firstTap = -1;
  for (let i = 0; i < k; i++) {
    if ((((r + pt - i * d) % s) + s) % s === 0) {
      firstTap = i;
      break;
    }
  }
  if (firstTap < 0) return null;
  // With s > 1 the dilation is 1, so taps of one phase are s apart and adjacent in dy.
  const tapStep = s === 1 ? 1 : s;
  const taps = Math.floor((k - 1 - firstTap) / tapStep) + 1;
  const dilation = s === 1 ? d : 1;
  const c = (r + pt - firstTap * d) / s;
  const lo = c - (taps - 1) * dilation;
  const hi = phaseOut - 1 + c;
  const cropStart = Math.max(0, lo);
  const cropEnd = Math.min(outSize, hi + 1);
  if (cropEnd <= cropStart) return null;
  return {
    firstTap,
    tapStep,
    taps,
    dilation,
    cropStart,
    cropEnd,
    padBefore: Math.max(0, -lo),
    padAfter: Math.max(0, hi + 1 - outSize),
  };
}

/**
 * For the filter gradient, tap i reads the zero-padded input at a·s + i·d,
 * i.e. phase (i·d) mod s of the padded input, shifted by (i·d) div s.
 */
export interface FilterTap {
  phase: number;
  shift: number;
  /** Output positions [first, end) whose input sample is not padding. */
  first: number;
  end: number;
}

/** Plans tap `i` of one axis for the filter gradient. */
export function filterTap(axis: ConvAxis, i: number): FilterTap {
  const { stride: s, dilation: d, padBefore: pt, inSize, outSize } = axis;
  const t = i * d;
  const first = Math.max(0, Math.ceil((pt - t) / s));
  const end = Math.min(outSize, Math.floor((inSize - 1 + pt - t) / s) + 1);
  return { phase: t % s, shift: Math.floor(t / s), first, end: Math.max(first, end) };
}

/**
 * Size of the padded input along one axis, in phase rows (multiple of the
 * stride), covering every sample any tap reads plus the unpadded input.
 */
export function phaseRows(axis: ConvAxis): number {
  const { stride: s, dilation: d, kernel: k, padBefore: pt, inSize, outSize } = axis;
  const lastRead = (outSize - 1) * s + (k - 1) * d;
  return Math.ceil(Math.max(pt + inSize, lastRead + 1) / s);
}
