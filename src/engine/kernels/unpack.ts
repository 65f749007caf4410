/**
 * wasm `Unpack` (unstack, the gradient of stack) on the heap-view slice; the
 * stock kernel copies the whole input once per output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelArgs, heapSlice, isNumeric } from './slice';

/** Kernel config replacing the stock wasm `Unpack`; strings still go to the stock kernel. */
export function unpackKernel(backendName: string, stock?: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo[] => {
    const value = args.inputs.value as tf.TensorInfo;
    if (!isNumeric(value.dtype) && stock !== undefined) {
      return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo[];
    }
    const rank = value.shape.length;
    let { axis } = args.attrs as unknown as tf.UnpackAttrs;
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const size = [...value.shape];
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]; i++) {
      const begin = new Array<number>(rank).fill(0);
      begin[axis] = i;
      const out = heapSlice(args.backend as BackendWasm, value, begin, size);
      outs.push({ dataId: out.dataId, dtype: out.dtype, shape: outShape });
    }
    return outs;
  };
  return { kernelName: 'Unpack', backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
