/**
 * `ResizeBilinearGrad` on wasm and cpu: for every mode (align corners, half
 * pixel centers) the gradient must be the adjoint of the forward resize,
 * ⟨resize(x), dy⟩ = ⟨x, grad(dy)⟩, checked in float64 from the forward op's
 * own values on fresh random non-square shapes (error < 1e-4 relative to Σ|yᵢ·dyᵢ|).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/util/rng';
import { REL_TOL, freshSeed, onBackend, randomArray } from '../helpers';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

test('bilinear resize gradient is the adjoint of the resize, every mode and backend', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < 24; n++) {
    const shape: [number, number, number, number] = [1 + rng.int(2), 2 + rng.int(9), 2 + rng.int(9), 1 + rng.int(4)];
    const size: [number, number] = [1 + rng.int(30), 1 + rng.int(30)];
    const alignCorners = rng.next() < 0.5;
    const halfPixel = !alignCorners && rng.next() < 0.5;
    const xv = randomArray(rng, shape.reduce((a, b) => a * b, 1));
    const dyv = randomArray(rng, shape[0] * size[0] * size[1] * shape[3]);
    for (const backend of ['wasm', 'cpu'] as const) {
      const [y, g] = await onBackend(backend, () => {
        const x = tf.tensor4d(xv, shape);
        const dy = tf.tensor4d(dyv, [shape[0], size[0], size[1], shape[3]]);
        const f = (t: tf.Tensor): tf.Tensor => tf.image.resizeBilinear(t as tf.Tensor4D, size, alignCorners, halfPixel);
        return [f(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), dy)))(x)];
      });
      const lhs = dot(y, dyv);
      const rhs = dot(xv, g);
      // Relative to the size of the summed terms: the two sums can nearly cancel, and float32 rounding scales with the terms, not the sum.
      let scale = 0;
      for (let i = 0; i < dyv.length; i++) scale += Math.abs(y[i] * dyv[i]);
      const err = Math.abs(lhs - rhs) / Math.max(scale, 1e-6);
      assert.ok(err < REL_TOL, `seed ${seed}: ${backend} x=${shape} size=${size} align=${alignCorners} half=${halfPixel}: ${lhs} vs ${rhs}`);
    }
  }
});
