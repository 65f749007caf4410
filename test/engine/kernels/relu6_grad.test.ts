/** The one-pass ReLU6 gradient: wasm (SIMD kernel) and cpu equal dy·[0 < x ≤ 6] exactly, boundaries included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../helpers';

test('ReLU6 gradient equals dy where 0 < x <= 6, else 0, on wasm and cpu (odd sizes, boundaries)', async () => {
  const n = 1003;
  const x = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? [0, 6, -0, 6.000001][i % 4] : (i / n) * 16 - 4));
  const dy = Float32Array.from({ length: n }, (_, i) => Math.sin(i) + 2);
  const expected = x.map((v, i) => (v > 0 && v <= 6 ? dy[i] : 0));
  for (const backend of ['wasm', 'cpu'] as const) {
    const [got] = await onBackend(backend, () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu6(t), tf.tensor1d(dy))))(tf.tensor1d(x)));
    assert.deepEqual(Array.from(got), Array.from(expected), backend);
  }
});
