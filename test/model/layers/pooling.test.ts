import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { adaptiveMaxPool, adaptiveWindows, maxPool } from '../../../src/model/layers/pooling';
import { Rng } from '../../../src/util/rng';
import { maxAbsDiff, randomArray } from '../helpers';

/** Brute force: for each cell, the max over its window and the flat index of that max. */
function referencePool(x: Float32Array, [b, h, w, c]: number[], p: number) {
  const out = new Float64Array(b * p * p * c);
  const arg = new Int32Array(b * p * p * c);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++)
        for (let k = 0; k < c; k++) {
          const r0 = Math.floor((i * h) / p), r1 = Math.ceil(((i + 1) * h) / p);
          const c0 = Math.floor((j * w) / p), c1 = Math.ceil(((j + 1) * w) / p);
          let best = -Infinity, at = -1;
          for (let r = r0; r < r1; r++)
            for (let q = c0; q < c1; q++) {
              const idx = ((n * h + r) * w + q) * c + k;
              if (x[idx] > best) { best = x[idx]; at = idx; }
            }
          const o = ((n * p + i) * p + j) * c + k;
          out[o] = best;
          arg[o] = at;
        }
  return { out, arg };
}

test('adaptive max pool matches a brute-force reference, values and gradient', async () => {
  await initBackend('cpu');
  const rng = new Rng(11);
  // Sizes below, equal to, multiple of, and not a multiple of the grid.
  for (const [h, w] of [[1, 1], [3, 5], [7, 7], [14, 21], [9, 13], [16, 10]]) {
    const shape = [2, h, w, 3];
    const p = 7;
    const data = randomArray(rng, 2 * h * w * 3);
    const x = tf.tensor4d(data, shape as [number, number, number, number]);
    const ref = referencePool(data, shape, p);
    const y = adaptiveMaxPool(x, p);
    assert.deepEqual(y.shape, [2, p, p, 3]);
    assert.ok(maxAbsDiff(await y.data(), ref.out) === 0, `values at ${h}x${w}`);
    // Gradient of sum(y * upstream): each cell's upstream lands on its argmax (summed on overlaps).
    const upstream = randomArray(rng, 2 * p * p * 3);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(adaptiveMaxPool(t as tf.Tensor4D, p), tf.tensor4d(upstream, [2, p, p, 3]))))(x);
    const expected = new Float64Array(data.length);
    ref.arg.forEach((at, o) => (expected[at] += upstream[o]));
    assert.ok(maxAbsDiff(await grad.data(), expected) < 1e-5, `gradient at ${h}x${w}`);
    tf.dispose([x, y, grad]);
  }
});

test('adaptive windows cover the axis, never empty, as PyTorch bounds', () => {
  for (const size of [1, 2, 6, 7, 8, 45]) {
    const wins = adaptiveWindows(size, 7);
    assert.equal(wins[0][0], 0);
    assert.equal(wins[6][1], size);
    for (const [s, e] of wins) assert.ok(e > s && s >= 0 && e <= size);
  }
});

test('adaptive max pool never returns its input tensor', () => {
  const x = tf.ones([1, 7, 7, 2]) as tf.Tensor4D;
  const y = adaptiveMaxPool(x, 7);
  assert.notEqual(y, x);
  y.dispose();
  assert.equal(x.isDisposed, false);
  x.dispose();
});

test('maxPool 3x3 pad 1 gives ceil(n/stride) and ignores padding', async () => {
  await initBackend('cpu');
  for (const n of [1, 2, 5, 8]) {
    const x = tf.fill([1, n, n + 1, 1], -5) as tf.Tensor4D;
    const y = maxPool(x, 3, 2, 1);
    assert.deepEqual(y.shape, [1, Math.ceil(n / 2), Math.ceil((n + 1) / 2), 1]);
    // Padding must act as -inf: an all-negative input stays at its value.
    assert.equal((await tf.max(y).data())[0], -5);
    tf.dispose([x, y]);
  }
});
