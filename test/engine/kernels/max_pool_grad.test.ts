/**
 * wasm `MaxPoolGrad` against the cpu backend on fresh random shapes, windows,
 * strides and paddings, with values drawn from a few levels so that windows
 * hold ties (the gradient must go to the first maximum, as on cpu).
 * Accuracy: relative L2 error ‖got − ref‖₂/‖ref‖₂ < 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/util/rng';
import { REL_TOL, freshSeed, onBackend, randomArray, relL2 } from '../helpers';

test('max pool gradient on wasm matches the cpu backend, ties included', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < 40; n++) {
    const shape: [number, number, number, number] = [1 + rng.int(3), 5 + rng.int(13), 5 + rng.int(13), 1 + rng.int(8)];
    const k = 1 + rng.int(4);
    const stride = 1 + rng.int(3);
    const pad = (['same', 'valid', rng.int(Math.floor(k / 2) + 1)] as const)[rng.int(3)];
    const ties = rng.next() < 0.5;
    const xv = randomArray(rng, shape.reduce((a, b) => a * b, 1)).map((v) => (ties ? Math.round(v * 2) + 0 : v)); // + 0 turns -0 into 0
    const run = (): tf.Tensor[] => {
      const x = tf.tensor4d(xv, shape);
      const f = (t: tf.Tensor): tf.Tensor => {
        const y = tf.maxPool(t as tf.Tensor4D, k, stride, pad);
        return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
      };
      return [tf.maxPool(x, k, stride, pad), tf.grad(f)(x)];
    };
    const got = await onBackend('wasm', run);
    const ref = await onBackend('cpu', run);
    const what = `seed ${seed}: x=${shape} k=${k} stride=${stride} pad=${pad} ties=${ties}`;
    assert.deepEqual(Array.from(got[0]), Array.from(ref[0]), `${what}: pooled values`);
    const err = relL2(got[1], ref[1]);
    assert.ok(err < REL_TOL, `${what}: gradient rel L2 error ${err}`);
  }
});
