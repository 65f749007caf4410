/**
 * Lets a kernel be written with ordinary tf ops: the backend hands the kernel
 * TensorInfos and expects a TensorInfo back whose data it then owns.
 */
import * as tf from '@tensorflow/tfjs-core';

type TensorMap = Record<string, tf.Tensor>;
/** A kernel body written with tf ops; it runs on the backend the kernel is registered for. */
export type OpKernelBody = (inputs: TensorMap, attrs: tf.NamedAttrMap) => tf.Tensor;

/** Wraps a backend-owned TensorInfo as a Tensor that does not free the data when disposed. */
function borrow(info: tf.TensorInfo): { tensor: tf.Tensor; owned: boolean } {
  if (info instanceof tf.Tensor) return { tensor: info, owned: false };
  const engine = tf.engine();
  engine.backend.incRef(info.dataId);
  return { tensor: engine.makeTensorFromTensorInfo(info), owned: true };
}

/**
 * Builds a `KernelFunc` from an op-level body. Intermediates are freed; the
 * result's data is handed to the engine without a copy.
 */
export function asBackendKernel(kernelName: string, body: OpKernelBody): (backendName: string) => tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, attrs }) => {
    const borrowed = Object.entries(inputs).map(([name, info]) => [name, borrow(info as tf.TensorInfo)] as const);
    try {
      const map: TensorMap = {};
      for (const [name, b] of borrowed) map[name] = b.tensor;
      // A body that hands back an input must not let us dispose the caller's tensor.
      const out = tf.tidy(() => {
        const r = body(map, attrs ?? {});
        return Object.values(map).includes(r) ? r.clone() : r;
      });
      const info: tf.TensorInfo = { dataId: out.dataId, shape: out.shape, dtype: out.dtype };
      // Keep the data alive for the engine while dropping our own Tensor handle.
      tf.engine().backend.incRef(out.dataId);
      out.dispose();
      return info;
    } finally {
      for (const [, b] of borrowed) if (b.owned) b.tensor.dispose();
    }
  };
  return (backendName: string) => ({ kernelName, backendName, kernelFunc });
}
