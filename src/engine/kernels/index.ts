/**
 * Registers the project's kernels and gradients (idempotent):
 * - wasm `Conv2DBackpropFilter` (missing in tfjs-backend-wasm) and a faster
 *   wasm `Conv2DBackpropInput`, both built on forward convs / matrix products;
 * - a wasm `Slice` that copies between heap views (the stock one copies the whole input);
 * - a `Conv2D` gradient that handles dilation > 1 on every backend;
 * - importing this module registers every stock tfjs gradient (see all_gradients.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import './all_gradients';
import { conv2dBackpropFilterKernel } from './conv2d_backprop_filter';
import { conv2dBackpropInputKernel } from './conv2d_backprop_input';
import { conv2dGradConfig } from './conv2d_grad';
import { sliceKernel } from './slice';

let registered = false;
/** Stock kernels the project replaced, kept for benchmarks and comparisons. */
const replaced = new Map<string, tf.KernelConfig>();

/** Kernels the project registers on the wasm backend, each built with the stock kernel it replaces. */
const wasmKernels: Array<(backendName: string, stock?: tf.KernelConfig) => tf.KernelConfig> = [
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  sliceKernel,
];

/** Installs the project kernels and gradients once per process. */
export function registerProjectKernels(): void {
  if (registered) return;
  registered = true;
  for (const make of wasmKernels) {
    const name = make('wasm').kernelName;
    // Replacing a kernel tfjs already ships makes it log a warning; drop it silently first.
    const stock = tf.getKernel(name, 'wasm');
    if (stock !== undefined) {
      replaced.set(`${name}/wasm`, stock);
      tf.unregisterKernel(name, 'wasm');
    }
    tf.registerKernel(make('wasm', stock));
  }
  tf.registerGradient(conv2dGradConfig);
}

/** The stock kernel that `registerProjectKernels` replaced, if any. */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return replaced.get(`${kernelName}/${backendName}`);
}
