/**
 * wasm `BatchMatMul` with transposed operands (the fully-connected backward
 * pass) against the cpu backend, on fresh random sizes covering both
 * orientations the kernel may pick. Accuracy: relative L2 error < 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/util/rng';
import { REL_TOL, freshSeed, onBackend, randomArray, relL2 } from '../helpers';

test('matMul with every transpose combination on wasm matches the cpu backend', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  const dims = [1, 2, 3, 17, 64, 300];
  for (let n = 0; n < 24; n++) {
    const [m, k, nn] = [0, 1, 2].map(() => dims[rng.int(dims.length)]);
    const transposeA = rng.next() < 0.5;
    const transposeB = rng.next() < 0.5;
    const batched = rng.next() < 0.25;
    const lead = batched ? [1] : [];
    const aShape = [...lead, ...(transposeA ? [k, m] : [m, k])];
    const bShape = [...lead, ...(transposeB ? [nn, k] : [k, nn])];
    const av = randomArray(rng, m * k);
    const bv = randomArray(rng, k * nn);
    const run = (): tf.Tensor => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), transposeA, transposeB);
    const [got] = await onBackend('wasm', run);
    const [ref] = await onBackend('cpu', run);
    const err = relL2(got, ref);
    assert.ok(err < REL_TOL, `seed ${seed}: a=${aShape} b=${bShape} tA=${transposeA} tB=${transposeB}: rel L2 error ${err}`);
  }
});

test('gradients of a fully-connected layer on wasm match the cpu backend', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  const xv = randomArray(rng, 2 * 300);
  const wv = randomArray(rng, 300 * 64);
  const run = (): tf.Tensor[] =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D))))([
      tf.tensor2d(xv, [2, 300]),
      tf.tensor2d(wv, [300, 64]),
    ]);
  const got = await onBackend('wasm', run);
  const ref = await onBackend('cpu', run);
  got.forEach((g, i) => assert.ok(relL2(g, ref[i]) < REL_TOL, `seed ${seed}: gradient ${i} rel L2 error ${relL2(g, ref[i])}`));
});
