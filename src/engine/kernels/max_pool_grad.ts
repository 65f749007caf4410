/**
 * wasm `MaxPoolGrad` as a direct scatter in JS over heap views: each window's
 * dy goes to the window's first maximum (row-major scan, strictly greater
 * wins, padding never does), the rule of the cpu backend. The stock wasm
 * kernel is ~2× slower than this; its `MaxPoolWithArgmax` (which could find
 * the maxima natively) returns index 0 for windows whose maximum is ≤ 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelArgs } from './slice';

/**
 * dx of a max pool (NHWC, float32 arrays): each window's dy is added at its
 * first maximum in row-major order; padding never wins.
 */
export function maxPoolBackprop(info: tf.backend_util.Conv2DInfo, x: tf.TypedArray, dy: tf.TypedArray, dx: tf.TypedArray): void {
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rowStride = W * C;
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    const imageBase = b * H * rowStride;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - top;
      const hStart = Math.max(0, h0);
      const hEnd = Math.min(H, h0 + fh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - left;
        const wStart = Math.max(0, w0);
        const wEnd = Math.min(W, w0 + fw);
        const dyBase = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let where = -1;
          for (let h = hStart; h < hEnd; h++) {
            let p = imageBase + h * rowStride + wStart * C + c;
            for (let w = wStart; w < wEnd; w++, p += C) {
              const v = x[p];
              if (v > best) {
                best = v;
                where = p;
              }
            }
          }
          if (where >= 0) dx[where] += dy[dyBase + c];
        }
      }
    }
  }
}

function maxPoolGradWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const dy = args.inputs.dy as tf.TensorInfo;
  const input = args.inputs.input as tf.TensorInfo;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  // Allocate before taking heap views: growing the heap detaches earlier views.
  const out = backend.makeOutput(input.shape, 'float32');
  maxPoolBackprop(info, backend.typedArrayFromHeap(input), backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(out));
  return out;
}

/** Kernel config replacing the stock wasm `MaxPoolGrad`. */
export function maxPoolGradKernel(backendName: string): tf.KernelConfig {
  return { kernelName: 'MaxPoolGrad', backendName, kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc };
}
