/**
 * wasm `SplitV` (the gradient of concat) on the heap-view slice; the stock
 * kernel copies the whole input once per output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelArgs, heapSlice, isNumeric } from './slice';

/** Kernel config replacing the stock wasm `SplitV`; strings still go to the stock kernel. */
export function splitVKernel(backendName: string, stock?: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo[] => {
    const x = args.inputs.x as tf.TensorInfo;
    if (!isNumeric(x.dtype) && stock !== undefined) return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo[];
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const out = heapSlice(args.backend as BackendWasm, x, [...begin], size);
      begin[ax] += s;
      return out;
    });
  };
  return { kernelName: 'SplitV', backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
