/**
 * Kernels written as plain loops over typed arrays, registered on the wasm
 * backend (heap views, no copy) and the cpu backend alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelArgs } from './slice';

/** A loop kernel: fills `out` (zeroed) from the inputs' values. */
export interface ArrayKernel {
  kernelName: string;
  /** Input names, in the order `compute` receives their values. */
  inputs: string[];
  /** Shape of the float32 output. */
  outShape(inputs: tf.TensorInfo[], attrs: tf.NamedAttrMap): number[];
  compute(values: tf.TypedArray[], out: Float32Array, inputs: tf.TensorInfo[], attrs: tf.NamedAttrMap): void;
}

/** The kernel config of `kernel` for `backendName` (`wasm` or `cpu`). */
export function arrayKernelConfig(kernel: ArrayKernel): (backendName: string) => tf.KernelConfig {
  return (backendName) => {
    const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
      const attrs = (args.attrs ?? {}) as tf.NamedAttrMap;
      const inputs = kernel.inputs.map((name) => args.inputs[name] as tf.TensorInfo);
      const shape = kernel.outShape(inputs, attrs);
      if (backendName === 'wasm') {
        const backend = args.backend as BackendWasm;
        // Allocate before taking heap views: growing the heap detaches earlier views.
        const out = backend.makeOutput(shape, 'float32');
        const outValues = backend.typedArrayFromHeap(out) as Float32Array;
        outValues.fill(0);
        kernel.compute(inputs.map((t) => backend.typedArrayFromHeap(t)), outValues, inputs, attrs);
        return out;
      }
      const backend = args.backend as MathBackendCPU;
      const out = new Float32Array(tf.util.sizeFromShape(shape));
      kernel.compute(inputs.map((t) => backend.data.get(t.dataId).values as tf.TypedArray), out, inputs, attrs);
      return backend.makeTensorInfo(shape, 'float32', out);
    };
    return { kernelName: kernel.kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  };
}
