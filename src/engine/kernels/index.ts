/**
 * Registers the project's kernels and gradients (idempotent):
 * - wasm `Conv2DBackpropFilter` (missing in tfjs-backend-wasm) and a faster
 *   wasm `Conv2DBackpropInput`, both built on forward convs / matrix products;
 * - wasm `Slice`, `SplitV`, `Unpack`, `StridedSlice` that copy between heap
 *   views (the stock ones copy the whole input out of the heap per call);
 * - wasm `Identity` and same-dtype `Cast` sharing their input's data (tfjs
 *   clones every tensor saved for the backward pass; the stock kernels copy);
 * - wasm `MaxPoolGrad`, transposed `BatchMatMul` and broadcasting comparisons,
 *   whose stock versions are 10-30× slower than the forward ops they serve;
 * - `ResizeBilinearGrad` (wasm and cpu) exact for half-pixel centers, and
 *   with the right output shape on cpu;
 * - `Conv2D` and `DepthwiseConv2dNative` gradients that handle dilation > 1
 *   on every backend (wasm has no depthwise backprop kernels at all; both
 *   depthwise backprop kernels are loops on wasm and cpu alike), a one-pass
 *   ReLU6 gradient (the stock one runs four kernels), and zero
 *   gradients for comparison/logical kernels (tfjs has none);
 * - importing this module registers every stock tfjs gradient (see all_gradients.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
// The stock wasm kernels must be registered before they are replaced here.
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import './all_gradients';
import { batchMatMulKernel } from './batch_mat_mul';
import { COMPARISON_KERNELS, comparisonKernel } from './comparisons';
import { conv2dBackpropFilterKernel } from './conv2d_backprop_filter';
import { conv2dBackpropInputKernel } from './conv2d_backprop_input';
import { conv2dGradConfig } from './conv2d_grad';
import { arrayKernelConfig } from './array_kernel';
import {
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
  depthwiseBackpropInputWasmKernel,
  depthwiseConv2dGradConfig,
} from './depthwise_conv2d_grad';
import { relu6GradConfig, relu6GradKernel } from './relu6_grad';
import { castKernel, identityKernel } from './identity_cast';
import { maxPoolGradKernel } from './max_pool_grad';
import { resizeBilinearGradCpuKernel, resizeBilinearGradWasmKernel } from './resize_bilinear_grad';
import { sliceKernel } from './slice';
import { splitVKernel } from './split_v';
import { stridedSliceKernel } from './strided_slice';
import { unpackKernel } from './unpack';
import { zeroGradConfigs } from './zero_grads';

let registered = false;
/** Stock kernels the project replaced, kept for benchmarks and comparisons. */
const replaced = new Map<string, tf.KernelConfig>();

type KernelFactory = (backendName: string, stock?: tf.KernelConfig) => tf.KernelConfig;

/** Kernels the project registers, per backend, each built with the stock kernel it replaces. */
const projectKernels: Array<[backend: string, kernel: string, make: KernelFactory]> = [
  ['wasm', 'Conv2DBackpropFilter', conv2dBackpropFilterKernel],
  ['wasm', 'Conv2DBackpropInput', conv2dBackpropInputKernel],
  ['wasm', 'Slice', sliceKernel],
  ['wasm', 'SplitV', splitVKernel],
  ['wasm', 'Unpack', unpackKernel],
  ['wasm', 'StridedSlice', stridedSliceKernel],
  ['wasm', 'Identity', identityKernel],
  ['wasm', 'Cast', castKernel],
  ['wasm', 'MaxPoolGrad', maxPoolGradKernel],
  ['wasm', 'BatchMatMul', batchMatMulKernel],
  ['wasm', 'ResizeBilinearGrad', resizeBilinearGradWasmKernel],
  ...COMPARISON_KERNELS.map((name): [string, string, KernelFactory] => ['wasm', name, comparisonKernel(name)]),
  ['cpu', 'ResizeBilinearGrad', resizeBilinearGradCpuKernel],
  ['wasm', 'DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInputWasmKernel],
  ['cpu', 'DepthwiseConv2dNativeBackpropInput', arrayKernelConfig(depthwiseBackpropInputKernel)],
  ...['wasm', 'cpu'].flatMap((backend): Array<[string, string, KernelFactory]> =>
    [depthwiseBackpropFilterKernel, relu6GradKernel].map((k) => [backend, k.kernelName, arrayKernelConfig(k)]),
  ),
];

/** Installs the project kernels and gradients once per process. */
export function registerProjectKernels(): void {
  if (registered) return;
  registered = true;
  for (const [backend, name, make] of projectKernels) {
    // Replacing a kernel tfjs already ships makes it log a warning; drop it silently first.
    const stock = tf.getKernel(name, backend);
    if (stock !== undefined) {
      replaced.set(`${name}/${backend}`, stock);
      tf.unregisterKernel(name, backend);
    }
    const config = make(backend, stock);
    if (config.kernelName !== name) throw new Error(`kernel table: ${name} built ${config.kernelName}`);
    tf.registerKernel(config);
  }
  tf.registerGradient(conv2dGradConfig);
  tf.registerGradient(depthwiseConv2dGradConfig);
  tf.registerGradient(relu6GradConfig);
  for (const config of zeroGradConfigs()) tf.registerGradient(config);
}

/** The stock kernel that `registerProjectKernels` replaced, if any. */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return replaced.get(`${kernelName}/${backendName}`);
}
