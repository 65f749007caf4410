/**
 * Gradient of the `Conv2D` kernel for every dilation, on every backend.
 * Dilation 1 defers to the backend's `Conv2DBackpropInput/Filter` kernels
 * (the project's fast ones on wasm, the native ones elsewhere); dilation > 1,
 * which those kernels cannot express, uses the op-level implementations: a
 * dilated forward conv for dx and the per-tap products for dW.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvPad, pair } from '../conv_geometry';
import { conv2dBackpropFilterImpl } from './conv2d_backprop_filter';
import { conv2dBackpropInputImpl } from './conv2d_backprop_input';

/** Gradient config replacing tfjs's Conv2D gradient (which rejects dilation > 1). */
export const conv2dGradConfig: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const dy4 = dy as tf.Tensor4D;
    const { dilations, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
    if (dataFormat === 'NCHW') throw new Error('Conv2D gradient: only NHWC is supported');
    const [dh, dw] = pair(dilations);
    if (dh === 1 && dw === 1) {
      const common = { strides, pad, dataFormat: 'NHWC', dimRoundingMode };
      return {
        x: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: dy4, filter }, {
            ...common,
            inputShape: x.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dy4 }, {
            ...common,
            filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
      };
    }
    return {
      x: () => conv2dBackpropInputImpl(x.shape, dy4, filter, strides, dilations, pad as ConvPad, dimRoundingMode),
      filter: () => conv2dBackpropFilterImpl(x, dy4, filter.shape, strides, dilations, pad as ConvPad, dimRoundingMode),
    };
  },
};
