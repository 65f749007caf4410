/**
 * The data-sharing wasm `Identity` and same-dtype `Cast`: clones and casts
 * hold the input's values, survive the input's disposal, free their memory
 * with the last reference; casts between dtypes and gradients that go
 * through tfjs's saved clones equal the cpu backend's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { Rng } from '../../../src/util/rng';
import { REL_TOL, freshSeed, onBackend, randomArray, relL2 } from '../helpers';

test('wasm Identity clones and same-dtype casts keep the values after the input is disposed and free memory with the last reference', async () => {
  await initBackend('wasm');
  const rng = new Rng(freshSeed());
  const before = tf.memory();
  for (let n = 0; n < 20; n++) {
    const shape = Array.from({ length: 1 + rng.int(4) }, () => 1 + rng.int(7));
    const values = randomArray(rng, shape.reduce((a, b) => a * b, 1));
    const dtype = (['float32', 'int32', 'bool'] as const)[rng.int(3)];
    const x = tf.tidy(() => tf.cast(tf.tensor(values, shape), dtype));
    const expected = x.dataSync().slice();
    const y = tf.clone(x);
    const z = tf.cast(y, dtype);
    x.dispose();
    assert.deepEqual(y.shape, shape);
    assert.equal(y.dtype, dtype);
    assert.deepEqual(y.dataSync(), expected, `clone of a ${dtype} ${shape} tensor`);
    y.dispose();
    assert.deepEqual(z.dataSync(), expected, `same-dtype cast of a ${dtype} ${shape} tensor`);
    z.dispose();
  }
  assert.equal(tf.memory().numBytes, before.numBytes, 'every clone freed with its last reference');
  assert.equal(tf.memory().numTensors, before.numTensors);
});

test('gradients through saved clones on wasm equal the cpu backend', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  const shape = [2, 5, 4, 3];
  const a = randomArray(rng, 120);
  const b = randomArray(rng, 120);
  // Mul, Exp, Square and Sigmoid all save inputs or outputs for the backward pass.
  const f = () => {
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(tf.mul(x, y)), tf.square(tf.exp(x)))))([
      tf.tensor(a, shape),
      tf.tensor(b, shape),
    ]);
    return [ga, gb];
  };
  const [wasm, cpu] = [await onBackend('wasm', f), await onBackend('cpu', f)];
  for (let i = 0; i < 2; i++) assert.ok(relL2(wasm[i], cpu[i]) < REL_TOL, `seed ${seed}: gradient ${i} differs`);
});

test('casts between dtypes on wasm equal the cpu backend', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  const values = Float32Array.from(randomArray(rng, 64), (v) => (rng.next() < 0.2 ? 0 : 10 * v));
  const dtypes = ['float32', 'int32', 'bool'] as const;
  for (const from of dtypes) {
    for (const to of dtypes) {
      const f = () => tf.cast(tf.cast(tf.cast(tf.tensor(values, [4, 16]), from), to), 'float32');
      const [wasm, cpu] = [await onBackend('wasm', f), await onBackend('cpu', f)];
      assert.deepEqual(Array.from(wasm[0]), Array.from(cpu[0]), `seed ${seed}: cast ${from} -> ${to}`);
    }
  }
});
