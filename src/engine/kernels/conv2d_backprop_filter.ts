/**
 * Filter gradient of a 2-D convolution as matrix products whose reduction
 * runs over output positions. Two layouts, picked by the multiply-adds each
 * would spend: shifted windows over the padded map (any stride; cheap data
 * movement) or exact boxes (stride 1; skips padding, which dominates dilated
 * convolutions on small maps).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvPad, convGeometry } from '../conv_geometry';
import { boxMacs, filterGradBoxes } from './filter_grad_boxes';
import { filterGradWindows, windowMacs } from './filter_grad_windows';
import { asBackendKernel } from './kernel_bridge';

/** Strategy override for tests and benchmarks; `auto` picks by cost. */
export type FilterGradMethod = 'auto' | 'windows' | 'boxes';

/** The box method copies and packs more per multiply-add; use it only for a clear saving. */
const BOX_ADVANTAGE = 1.4;

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
  method: FilterGradMethod = 'auto',
): tf.Tensor4D {
  const g = convGeometry(x.shape, filterShape, strides, dilations, pad, dimRoundingMode);
  const [b, outH, outW, cout] = dy.shape;
  if (b !== g.batch || outH !== g.h.outSize || outW !== g.w.outSize || cout !== g.outChannels) {
    throw new Error(`conv2d backprop filter: dy shape ${dy.shape} does not match the convolution output`);
  }
  const strided = g.h.stride > 1 || g.w.stride > 1;
  let useBoxes = method === 'boxes';
  if (method === 'auto') useBoxes = !strided && windowMacs(g) > BOX_ADVANTAGE * boxMacs(g);
  return useBoxes ? filterGradBoxes(g, x, dy) : filterGradWindows(g, x, dy);
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
