/**
 * `ResizeBilinearGrad` as the exact adjoint of the forward resize. The stock
 * kernels ignore `halfPixelCenters` (wrong gradient for that mode), and the
 * cpu one returns its result with height and width swapped in the shape (a
 * crash for non-square images). The wasm stock kernel stays in use for the
 * mode it gets right, being native.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { KernelArgs } from './slice';

/** Source coordinate and weights of one output row/column, as the forward op computes them. */
function taps(outSize: number, inSize: number, alignCorners: boolean, halfPixel: boolean): { lo: Int32Array; hi: Int32Array; frac: Float32Array } {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  for (let r = 0; r < outSize; r++) {
    const src = halfPixel ? ratio * (r + 0.5) - 0.5 : ratio * r;
    lo[r] = Math.max(0, Math.floor(src));
    hi[r] = Math.min(inSize - 1, Math.ceil(src));
    frac[r] = src - lo[r];
  }
  return { lo, hi, frac };
}

/** dx (images shape [B, H, W, C]) of a bilinear resize, given dy [B, outH, outW, C]. */
export function resizeBilinearBackprop(
  imagesShape: number[],
  dyShape: number[],
  dy: tf.TypedArray,
  dx: tf.TypedArray,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): void {
  const [batch, h, w, c] = imagesShape;
  const [, oh, ow] = dyShape;
  const rows = taps(oh, h, alignCorners, halfPixelCenters);
  const cols = taps(ow, w, alignCorners, halfPixelCenters);
  dx.fill(0);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < oh; r++) {
      const top = (b * h + rows.lo[r]) * w;
      const bottom = (b * h + rows.hi[r]) * w;
      const fr = rows.frac[r];
      for (let q = 0; q < ow; q++) {
        const fc = cols.frac[q];
        const tl = (top + cols.lo[q]) * c;
        const tr = (top + cols.hi[q]) * c;
        const bl = (bottom + cols.lo[q]) * c;
        const br = (bottom + cols.hi[q]) * c;
        const wtl = (1 - fr) * (1 - fc);
        const wtr = (1 - fr) * fc;
        const wbl = fr * (1 - fc);
        const wbr = fr * fc;
        for (let d = 0; d < c; d++, o++) {
          const g = dy[o];
          dx[tl + d] += g * wtl;
          dx[tr + d] += g * wtr;
          dx[bl + d] += g * wbl;
          dx[br + d] += g * wbr;
        }
      }
    }
  }
}

/** Kernel config for the cpu backend (always replaces the stock one). */
export function resizeBilinearGradCpuKernel(backendName: string): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const backend = args.backend as MathBackendCPU;
    const images = args.inputs.images as tf.TensorInfo;
    const dy = args.inputs.dy as tf.TensorInfo;
    const { alignCorners, halfPixelCenters } = args.attrs as unknown as tf.ResizeBilinearGradAttrs;
    const dx = new Float32Array(tf.util.sizeFromShape(images.shape));
    const dyValues = backend.data.get(dy.dataId).values as tf.TypedArray;
    resizeBilinearBackprop(images.shape, dy.shape, dyValues, dx, alignCorners, halfPixelCenters);
    return backend.makeTensorInfo(images.shape, 'float32', dx);
  };
  return { kernelName: 'ResizeBilinearGrad', backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Kernel config for the wasm backend: the adjoint for half-pixel centers, the stock kernel otherwise. */
export function resizeBilinearGradWasmKernel(backendName: string, stock?: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { alignCorners, halfPixelCenters } = args.attrs as unknown as tf.ResizeBilinearGradAttrs;
    const images = args.inputs.images as tf.TensorInfo;
    if (!halfPixelCenters && stock !== undefined && images.dtype === 'float32') {
      return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const backend = args.backend as BackendWasm;
    const dy = args.inputs.dy as tf.TensorInfo;
    // Allocate before taking heap views: growing the heap detaches earlier views.
    const out = backend.makeOutput(images.shape, 'float32');
    resizeBilinearBackprop(
      images.shape,
      dy.shape,
      backend.typedArrayFromHeap(dy),
      backend.typedArrayFromHeap(out),
      alignCorners,
      halfPixelCenters,
    );
    return out;
  };
  return { kernelName: 'ResizeBilinearGrad', backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc, setupFunc: stock?.setupFunc };
}
