/** Max-pooling helpers (no variables). */
import * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraph } from '../../onnx/graph';

/**
 * Max pool with a square window and symmetric padding; padded positions never
 * win (they act as -infinity). Output size: floor((n + 2*padding - k) / stride) + 1.
 *
 * @param x input [batch, height, width, channels]
 * @param kernelSize side of the window
 * @param stride step between windows
 * @param padding pixels of padding on each side
 */
export function maxPool(x: tf.Tensor4D, kernelSize: number, stride: number, padding: number): tf.Tensor4D {
  if (padding === 0) return tf.maxPool(x, kernelSize, stride, 'valid');
  return tf.maxPool(x, kernelSize, stride, padding);
}

/**
 * Window bounds of adaptive pooling along one axis of length `size` split into
 * `cells` windows, as PyTorch's AdaptiveMaxPool2d: cell i covers
 * [floor(i*size/cells), ceil((i+1)*size/cells)). Windows overlap when `size` is
 * not a multiple of `cells` and repeat pixels when `size` < `cells`; none is empty.
 */
export function adaptiveWindows(size: number, cells: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < cells; i++) {
    out.push([Math.floor((i * size) / cells), Math.ceil(((i + 1) * size) / cells)]);
  }
  return out;
}

/**
 * Adaptive max pool of `x` [B, H, W, C] to a fixed [B, P, P, C] grid, for any
 * H, W >= 1. Differentiable: the gradient of each cell goes to its maximum (to
 * every tied maximum, as tfjs's `max` does). Max is separable, so rows are pooled
 * first and then columns: 2P slices instead of P² windows.
 *
 * @param x input feature map
 * @param gridSize side P of the output grid
 */
export function adaptiveMaxPool(x: tf.Tensor4D, gridSize: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h < 1 || w < 1) throw new Error(`adaptive max pool needs a non-empty input, got ${h}x${w}`);
  return tf.tidy(() => {
    const pooled = poolAxis(poolAxis(x, 1, h, gridSize), 2, w, gridSize);
    // Never hand back the input itself: the caller owns (and may dispose) the result.
    return pooled === x ? tf.clone(x) : pooled;
  });
}

function poolAxis(x: tf.Tensor4D, axis: 1 | 2, size: number, cells: number): tf.Tensor4D {
  // Same-size windows with no overlap are one reshape and one max.
  if (size % cells === 0) {
    const [b, h, w, c] = x.shape;
    const k = size / cells;
    if (k === 1) return x;
    const shape = axis === 1 ? [b, cells, k, w, c] : [b, h, cells, k, c];
    return tf.max(tf.reshape(x, shape), axis + 1) as tf.Tensor4D;
  }
  const parts = adaptiveWindows(size, cells).map(([start, end]) => {
    const begin = axis === 1 ? [0, start, 0, 0] : [0, 0, start, 0];
    const extent = axis === 1 ? [-1, end - start, -1, -1] : [-1, -1, end - start, -1];
    return tf.max(tf.slice(x, begin, extent), axis, true);
  });
  return tf.concat(parts, axis) as tf.Tensor4D;
}

/** `maxPool` as an ONNX `MaxPool` node on NCHW value `x`. */
export function maxPoolOnnx(g: OnnxGraph, x: string, kernelSize: number, stride: number, padding: number, name: string): string {
  const p = padding;
  return g.op('MaxPool', [x], { kernel_shape: { ints: [kernelSize, kernelSize] }, strides: { ints: [stride, stride] }, pads: { ints: [p, p, p, p] } }, name);
}

/**
 * `adaptiveMaxPool` in ONNX on NCHW value `x` of any height and width: the
 * window bounds of `adaptiveWindows` computed from the input's shape in the
 * graph, one Slice and ReduceMax per window, rows first, then columns.
 */
export function adaptiveMaxPoolOnnx(g: OnnxGraph, x: string, gridSize: number, name: string): string {
  const shape = g.op('Shape', [x], {}, `${name}.shape`);
  let y = x;
  for (const axis of [2, 3]) {
    const size = g.op('Gather', [shape, g.int64s([axis])], { axis: { i: 0 } }, `${name}.size${axis}`);
    const cells = g.int64s([gridSize]);
    const parts: string[] = [];
    for (let i = 0; i < gridSize; i++) {
      // start = floor(i·size/P), end = ceil((i+1)·size/P) = floor(((i+1)·size + P − 1)/P); integer Div truncates.
      const start = g.op('Div', [g.op('Mul', [size, g.int64s([i])], {}, `${name}.a${axis}_${i}`), cells], {}, `${name}.start${axis}_${i}`);
      const scaled = g.op('Mul', [size, g.int64s([i + 1])], {}, `${name}.b${axis}_${i}`);
      const end = g.op('Div', [g.op('Add', [scaled, g.int64s([gridSize - 1])], {}, `${name}.c${axis}_${i}`), cells], {}, `${name}.end${axis}_${i}`);
      const window = g.op('Slice', [y, start, end, g.int64s([axis])], {}, `${name}.window${axis}_${i}`);
      parts.push(g.op('ReduceMax', [window], { axes: { ints: [axis] }, keepdims: { i: 1 } }, `${name}.max${axis}_${i}`));
    }
    y = g.op('Concat', parts, { axis: { i: axis } }, `${name}.pooled${axis}`);
  }
  return y;
}
