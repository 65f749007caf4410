/**
 * The ops a training step uses, on the backend `initBackend('wasm')` sets up,
 * against the cpu backend: values and gradients through `tf.grads`, on fresh
 * random inputs. Accuracy: relative L2 error ‖got − ref‖₂/‖ref‖₂ < 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng';
import { REL_TOL, freshSeed, onBackend, randomArray, relL2 } from './helpers';

type Case = [name: string, shape: number[], f: (x: tf.Tensor) => tf.Tensor];

const CASES: Case[] = [
  ['maxPool 3x3/2 same', [2, 13, 11, 5], (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')],
  ['maxPool 3x3/1 pad 1', [2, 9, 10, 6], (x) => tf.maxPool(x as tf.Tensor4D, 3, 1, 1)],
  ['relu', [2, 7, 7, 3], (x) => tf.relu(x)],
  ['resizeBilinear x8', [2, 4, 5, 3], (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [32, 40])],
  ['resizeBilinear align corners', [1, 4, 5, 3], (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [29, 33], true)],
  ['resizeBilinear half-pixel', [1, 4, 5, 3], (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [29, 33], false, true)],
  ['softmax', [50, 11], (x) => tf.softmax(x)],
  ['logSoftmax', [50, 11], (x) => tf.logSoftmax(x)],
  ['sigmoid', [3, 11], (x) => tf.sigmoid(x)],
  ['dropout (seeded)', [2, 6, 6, 8], (x) => tf.dropout(x, 0.5, undefined, 7)],
  ['moments (batch norm)', [3, 5, 5, 4], (x) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
  }],
  ['concat + slice', [2, 6, 6, 4], (x) => tf.slice(tf.concat([x, tf.square(x)], 3), [0, 1, 1, 2], [2, 4, 4, 5])],
  ['adaptive max (slices + max)', [2, 9, 9, 3], (x) =>
    tf.concat([0, 3, 5].map((s) => tf.max(tf.slice(x, [0, s, 0, 0], [-1, 4, -1, -1]), 1, true)), 1)],
  ['max over space', [2, 5, 5, 4], (x) => tf.max(x, [1, 2])],
  ['fully connected', [2, 40], (x) => tf.matMul(x as tf.Tensor2D, tf.div(tf.reshape(tf.range(0, 40 * 7), [40, 7]), 100))],
  ['cross-entropy (oneHot)', [20, 11], (x) =>
    tf.neg(tf.sum(tf.mul(tf.logSoftmax(x), tf.oneHot(tf.tensor1d(Array.from({ length: 20 }, (_, i) => i % 11), 'int32'), 11))))],
  ['sigmoid BCE', [2, 11], (x) => tf.losses.sigmoidCrossEntropy(tf.ones([2, 11]), x)],
  ['stack + unstack', [3, 4], (x) => tf.stack(tf.unstack(x, 1).reverse(), 1)],
];

test('training-step ops on wasm match the cpu backend, values and gradients', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (const [name, shape, f] of CASES) {
    const xv = randomArray(rng, shape.reduce((a, b) => a * b, 1));
    // A random weighting of the output makes the gradient depend on every element.
    const run = (): tf.Tensor[] => {
      const x = tf.tensor(xv, shape);
      const y = f(x);
      const weights = tf.sin(tf.reshape(tf.range(0, y.size), y.shape));
      return [y, tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), weights)))(x)];
    };
    const got = await onBackend('wasm', run);
    const ref = await onBackend('cpu', run);
    assert.ok(relL2(got[0], ref[0]) < REL_TOL, `seed ${seed}: ${name}: value rel L2 error ${relL2(got[0], ref[0])}`);
    assert.ok(relL2(got[1], ref[1]) < REL_TOL, `seed ${seed}: ${name}: gradient rel L2 error ${relL2(got[1], ref[1])}`);
  }
});

test('a training step on wasm leaves no tensors or backend buffers behind', async () => {
  await onBackend('wasm', () => tf.zeros([1]));
  const rng = new Rng(freshSeed());
  const x = tf.tensor4d(randomArray(rng, 2 * 12 * 12 * 3), [2, 12, 12, 3]);
  const w1 = tf.variable(tf.tensor4d(randomArray(rng, 3 * 3 * 3 * 8), [3, 3, 3, 8]));
  const w2 = tf.variable(tf.tensor4d(randomArray(rng, 3 * 3 * 8 * 8), [3, 3, 8, 8]));
  const fc = tf.variable(tf.tensor2d(randomArray(rng, 8 * 5), [8, 5]));
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => {
      const h1 = tf.relu(tf.conv2d(x, w1, 2, 'same'));
      const h2 = tf.maxPool(tf.relu(tf.conv2d(h1, w2, 1, 'same', 'NHWC', 2)), 3, 1, 'same');
      const up = tf.image.resizeBilinear(h2, [12, 12]);
      const pooled = tf.max(tf.slice(h2, [0, 0, 0, 0], [-1, 3, 3, -1]), [1, 2]);
      const logits = tf.matMul(pooled as tf.Tensor2D, fc);
      return tf.add(tf.mean(up), tf.sum(tf.logSoftmax(logits)));
    });
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, tensors, 'tensors');
  assert.equal(tf.engine().backend.numDataIds(), buffers, 'backend buffers');
  tf.dispose([x, w1, w2, fc]);
});
