/**
 * wasm `Identity` that shares the input's data (reference-counted) instead of
 * copying it. tfjs clones every tensor it saves for the backward pass with
 * this kernel, so the stock copy costs a memcpy of most activations per
 * training step. Tensor data is never written in place, so sharing is safe;
 * the cpu backend's Identity does the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelArgs } from './slice';

/** Kernel config replacing the stock wasm `Identity`; strings still go to the stock kernel. */
export function identityKernel(backendName: string, stock?: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string' && stock !== undefined) return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return { kernelName: 'Identity', backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
