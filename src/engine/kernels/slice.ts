/**
 * wasm `Slice` that copies straight between views of the wasm heap. The stock
 * kernel first copies the WHOLE input out of the heap (readSync), which makes
 * every small crop cost a full-tensor copy plus an allocation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Below this run length a plain loop beats creating subarray views. */
const SHORT_RUN = 32;

/**
 * Collapses the slice to the fewest axes: an axis merges into the one before
 * it when it is taken whole; size-1 axes are dropped.
 */
function mergeAxes(shape: number[], begin: number[], size: number[]): { shape: number[]; begin: number[]; size: number[] } {
  const s: number[] = [];
  const b: number[] = [];
  const z: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const whole = begin[i] === 0 && size[i] === shape[i];
    if (s.length > 0 && whole) {
      const k = s.length - 1;
      s[k] *= shape[i];
      b[k] *= shape[i];
      z[k] *= shape[i];
    } else {
      s.push(shape[i]);
      b.push(begin[i]);
      z.push(size[i]);
    }
  }
  if (s.length === 0) return { shape: [1], begin: [0], size: [1] };
  return { shape: s, begin: b, size: z };
}

/** Copies the box `begin/size` of `src` (row-major `shape`) into `dst`, contiguous. */
export function copyBox(
  src: tf.TypedArray,
  dst: tf.TypedArray,
  shape: number[],
  begin: number[],
  size: number[],
): void {
  const m = mergeAxes(shape, begin, size);
  const rank = m.shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * m.shape[i + 1];
  const run = m.size[rank - 1];
  let offset = 0;
  for (let i = 0; i < rank; i++) offset += m.begin[i] * strides[i];
  if (rank === 1) {
    dst.set(src.subarray(offset, offset + run));
    return;
  }
  if (rank === 2 && run < SHORT_RUN) {
    // Many short rows (e.g. a channel split): a plain double loop.
    const rows = m.size[0];
    const stride = strides[0];
    for (let r = 0, o = 0; r < rows; r++) {
      const base = offset + r * stride;
      for (let k = 0; k < run; k++) dst[o++] = src[base + k];
    }
    return;
  }
  const counter = new Array<number>(rank - 1).fill(0);
  let out = 0;
  const total = dst.length;
  let base = offset;
  while (out < total) {
    if (run >= SHORT_RUN) dst.set(src.subarray(base, base + run), out);
    else for (let k = 0; k < run; k++) dst[out + k] = src[base + k];
    out += run;
    // Odometer increment over the outer axes.
    for (let ax = rank - 2; ax >= 0; ax--) {
      counter[ax]++;
      base += strides[ax];
      if (counter[ax] < m.size[ax]) break;
      base -= counter[ax] * strides[ax];
      counter[ax] = 0;
    }
  }
}

/** Arguments a backend passes to a kernel function. */
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/**
 * Copies the box `begin/size` (already validated, no negative sizes) of a
 * numeric wasm tensor into a new wasm tensor.
 */
export function heapSlice(backend: BackendWasm, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  // The output must exist before taking heap views: allocating can grow (and detach) the heap.
  const out = backend.makeOutput(size, x.dtype);
  if (size.some((v) => v === 0)) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  copyBox(src, dst, x.shape, begin, size);
  return out;
}

function sliceWasm(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const attrs = args.attrs as unknown as tf.SliceAttrs;
  const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, attrs.begin, attrs.size);
  tf.slice_util.assertParamsValid(x as unknown as tf.Tensor, begin, size);
  return heapSlice(args.backend as BackendWasm, x, begin, size);
}

/** True for dtypes the heap-view kernels handle (strings stay with the stock kernels). */
export function isNumeric(dtype: tf.DataType): boolean {
  return dtype !== 'string' && dtype !== 'complex64';
}

/** Kernel config replacing the stock wasm `Slice`; strings still go to the stock kernel. */
export function sliceKernel(backendName: string, stock?: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const dtype = (args.inputs.x as tf.TensorInfo).dtype;
    if (!isNumeric(dtype)) {
      if (stock === undefined) throw new Error(`Slice (${backendName}): dtype ${dtype} is not supported`);
      return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    return sliceWasm(args);
  };
  return { kernelName: 'Slice', backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
