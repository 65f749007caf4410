/**
 * ReLU6 gradient in one pass: dx = dy where 0 < x ≤ 6, else 0 (tfjs's rule),
 * on the project's SIMD kernel (a plain loop where SIMD is missing). The
 * stock gradient runs four kernels (two comparisons, a cast, a product).
 */
import * as tf from '@tensorflow/tfjs-core';
import { relu6GradWasm } from '../wasm/engine_wasm';
import type { ArrayKernel } from './array_kernel';

/** The project's `GuidesegRelu6Grad` kernel: inputs dy and x. */
export const relu6GradKernel: ArrayKernel = {
  kernelName: 'GuidesegRelu6Grad',
  inputs: ['dy', 'x'],
  outShape: (inputs) => inputs[1].shape,
  compute: ([dy, x], dx) => {
    if (x instanceof Float32Array && dy instanceof Float32Array && relu6GradWasm(x, dy, dx)) return;
    for (let i = 0; i < dx.length; i++) {
      const v = x[i];
      dx[i] = v > 0 && v <= 6 ? dy[i] : 0;
    }
  },
};

/** Gradient config replacing tfjs's Relu6 gradient. */
export const relu6GradConfig: tf.GradConfig = {
  kernelName: 'Relu6',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.engine().runKernel('GuidesegRelu6Grad', { dy: dy as tf.Tensor, x }) as tf.Tensor };
  },
};
