import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { resizeBilinear } from '../../../src/model/layers/upsample';
import { Rng } from '../../../src/util/rng';
import { maxAbsDiff, randomArray } from '../helpers';

/** float64 bilinear resize (source = target * in/out, edge-clamped) and its adjoint applied to `dy`. */
function reference(x: Float32Array, dy: Float32Array, [b, h, w, c]: number[], H: number, W: number) {
  const y = new Float64Array(b * H * W * c);
  const dx = new Float64Array(x.length);
  for (let n = 0; n < b; n++)
    for (let r = 0; r < H; r++)
      for (let q = 0; q < W; q++) {
        const fy = Math.min((r * h) / H, h - 1), fx = Math.min((q * w) / W, w - 1);
        const y0 = Math.floor(fy), x0 = Math.floor(fx);
        const y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
        const ay = fy - y0, ax = fx - x0;
        const taps: Array<[number, number, number]> = [
          [y0, x0, (1 - ay) * (1 - ax)], [y0, x1, (1 - ay) * ax], [y1, x0, ay * (1 - ax)], [y1, x1, ay * ax],
        ];
        for (let k = 0; k < c; k++) {
          const o = ((n * H + r) * W + q) * c + k;
          for (const [ty, tx, wt] of taps) {
            const i = ((n * h + ty) * w + tx) * c + k;
            y[o] += wt * x[i];
            dx[i] += wt * dy[o];
          }
        }
      }
  return { y, dx };
}

test('resizeBilinear: values and gradient match a float64 reference on non-square maps', async () => {
  await initBackend('cpu');
  const rng = new Rng(8);
  for (const [h, w, H, W] of [[4, 5, 32, 40], [3, 7, 20, 9], [6, 8, 45, 61]]) {
    const shape = [2, h, w, 3];
    const xs = randomArray(rng, 2 * h * w * 3);
    const dys = randomArray(rng, 2 * H * W * 3);
    const ref = reference(xs, dys, shape, H, W);
    const x = tf.tensor4d(xs, shape as [number, number, number, number]);
    const dy = tf.tensor4d(dys, [2, H, W, 3]);
    const y = resizeBilinear(x, [H, W]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(resizeBilinear(t as tf.Tensor4D, [H, W]), dy)))(x);
    assert.deepEqual(dx.shape, x.shape);
    assert.ok(maxAbsDiff(await y.data(), ref.y) < 1e-5, `values ${h}x${w}->${H}x${W}`);
    assert.ok(maxAbsDiff(await dx.data(), ref.dx) < 1e-4, `gradient ${h}x${w}->${H}x${W}`);
    tf.dispose([x, dy, y, dx]);
  }
});
