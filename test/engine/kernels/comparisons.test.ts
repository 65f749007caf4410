/**
 * wasm comparison kernels with broadcasting against the cpu backend (exact),
 * and the zero gradients registered for comparisons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/util/rng';
import { freshSeed, onBackend } from '../helpers';

const OPS: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
  ['equal', tf.equal],
  ['notEqual', tf.notEqual],
  ['greater', tf.greater],
  ['greaterEqual', tf.greaterEqual],
  ['less', tf.less],
  ['lessEqual', tf.lessEqual],
];

test('broadcasting comparisons on wasm equal the cpu results', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < 30; n++) {
    const rank = 1 + rng.int(4);
    const full = Array.from({ length: rank }, () => 1 + rng.int(5));
    const part = full.map((d) => (rng.next() < 0.5 ? 1 : d));
    const [sa, sb] = rng.next() < 0.5 ? [full, part] : [part, full];
    const level = (): number => rng.int(3);
    const av = Array.from({ length: sa.reduce((p, v) => p * v, 1) }, level);
    const bv = Array.from({ length: sb.reduce((p, v) => p * v, 1) }, level);
    for (const [name, op] of OPS) {
      for (const dtype of ['float32', 'int32'] as const) {
        const run = (): tf.Tensor => tf.cast(op(tf.tensor(av, sa, dtype), tf.tensor(bv, sb, dtype)), 'float32');
        const [got] = await onBackend('wasm', run);
        const [ref] = await onBackend('cpu', run);
        assert.deepEqual(Array.from(got), Array.from(ref), `seed ${seed}: ${name} ${dtype} ${sa} vs ${sb}`);
      }
    }
  }
});

test('a where() on a comparison of x is differentiable in x', async () => {
  const run = (): tf.Tensor =>
    tf.grad((x: tf.Tensor) => tf.sum(tf.where(tf.greater(x, 0), tf.mul(x, 3), tf.neg(x))))(tf.tensor1d([-2, -1, 1, 2]));
  for (const backend of ['wasm', 'cpu'] as const) {
    const [g] = await onBackend(backend, run);
    assert.deepEqual(Array.from(g), [-1, -1, 3, 3], backend);
  }
});
