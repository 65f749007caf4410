/**
 * wasm `StridedSlice`: contiguous-stride cases go to the heap-view slice (the
 * stock kernel sends them through its whole-input-copying slice); real
 * strides keep the stock native kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelArgs, heapSlice, isNumeric } from './slice';

/** Kernel config replacing the stock wasm `StridedSlice`. */
export function stridedSliceKernel(backendName: string, stock?: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    const a = args.attrs as unknown as tf.StridedSliceAttrs;
    const info = tf.slice_util.sliceInfo(
      x.shape,
      a.begin,
      a.end,
      a.strides,
      a.beginMask,
      a.endMask,
      a.ellipsisMask,
      a.newAxisMask,
      a.shrinkAxisMask,
    );
    const contiguous = !info.isIdentity && (info.sliceDim0 || info.isSimpleSlice);
    if (!contiguous || !isNumeric(x.dtype) || info.finalShape.some((v) => v === 0)) {
      if (stock === undefined) throw new Error(`StridedSlice (${backendName}): stock kernel missing`);
      return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const size = tf.slice_util.computeOutShape(info.begin, info.end, info.strides);
    const out = heapSlice(args.backend as BackendWasm, x, info.begin, size);
    return { dataId: out.dataId, dtype: out.dtype, shape: info.finalShape };
  };
  // The stock kernel's set-up (binding its native function) must still run when the backend starts.
  return { kernelName: 'StridedSlice', backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc, setupFunc: stock?.setupFunc };
}
