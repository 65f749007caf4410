/**
 * wasm `Identity`, and `Cast` to the input's own dtype, that share the
 * input's data (reference-counted) instead of copying it. tfjs clones every
 * tensor it saves for the backward pass with Identity, and many gradients
 * cast float32 to float32, so the stock copies cost a memcpy of most
 * activations per training step. Tensor data is never written in place, so
 * sharing is safe; the cpu backend's Identity does the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelArgs } from './slice';

function share(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** Kernel config replacing the stock wasm `Identity`; strings still go to the stock kernel. */
export function identityKernel(backendName: string, stock?: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string' && stock !== undefined) return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    return share(args.backend as BackendWasm, x);
  };
  return { kernelName: 'Identity', backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * Kernel config replacing the stock wasm `Cast`: shares the data when the
 * dtype does not change, and casts to bool as x ≠ 0 (the stock kernel
 * truncates, so 0.5 became false and 256 wrapped to 0).
 */
export function castKernel(backendName: string, stock?: tf.KernelConfig): tf.KernelConfig {
  if (stock === undefined) throw new Error('castKernel: the stock wasm Cast kernel must be registered first');
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    const backend = args.backend as BackendWasm;
    if (dtype === x.dtype && dtype !== 'string') return share(backend, x);
    if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
      const out = backend.makeOutput(x.shape, 'bool');
      const from = backend.typedArrayFromHeap(x);
      const to = backend.typedArrayFromHeap(out);
      for (let i = 0; i < from.length; i++) to[i] = from[i] !== 0 ? 1 : 0;
      return out;
    }
    return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  };
  return { kernelName: 'Cast', backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
