import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { averageBuffers, rateSegments, sgdUpdateRange, shardRange } from '../../../src/train/parallel/sharded_sgd';
import type { SharedTrainingState } from '../../../src/train/parallel/shared_state';
import { MomentumSgd } from '../../../src/train/sgd';
import { Rng } from '../../../src/util/rng';

function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

/** Random weights w0 and per-worker gradients of `size` values in a fresh shared state; `summed`: the gradients' sum. */
function randomState(rng: Rng, size: number, workers: number) {
  const w0 = randomArray(rng, size);
  const grads = Array.from({ length: workers }, () => randomArray(rng, size));
  const state: SharedTrainingState = {
    weights: Float32Array.from(w0),
    momentum: new Float32Array(size),
    grads: new Float32Array(workers * size),
    buffers: new Float32Array(0),
  };
  grads.forEach((g, k) => state.grads.set(g, k * size));
  const summed = new Float32Array(size).map((_, i) => grads.reduce((s, g) => s + g[i], 0));
  return { w0, state, summed };
}

for (const [workers, options] of [
  [1, { momentum: 0.9, weightDecay: 5e-4 }],
  [2, { momentum: 0.9, weightDecay: 5e-4 }],
  [3, { momentum: 0.9, weightDecay: 5e-4 }],
  [2, { momentum: 0, weightDecay: 0 }],
  [3, { momentum: 0, weightDecay: 0 }],
] as const) {
  test(`sgdUpdateRange over every worker's range = MomentumSgd on the summed gradient (${workers} workers, momentum ${options.momentum}, wd ${options.weightDecay})`, async () => {
    await initBackend('cpu');
    const rng = new Rng(11 + workers);
    const size = 37;
    const { w0, state, summed } = randomState(rng, size, workers);

    const variable = tf.variable(tf.tensor1d(w0));
    const optimizer = new MomentumSgd(options);
    for (const lr of [0.1, 0.05]) {
      for (let r = 0; r < workers; r++) sgdUpdateRange(state, size, workers, shardRange(size, r, workers), lr, options);
      tf.tidy(() => optimizer.step([['w', variable]], { w: tf.tensor1d(summed) }, lr));
    }
    const want = variable.dataSync();
    for (let i = 0; i < size; i++) assert.ok(Math.abs(state.weights[i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `weight ${i}`);
    const velocity = optimizer.getState().get('w')!.dataSync();
    for (let i = 0; i < size; i++) assert.ok(Math.abs(state.momentum[i] - velocity[i]) <= 1e-6 * Math.max(1, Math.abs(velocity[i])), `momentum ${i}`);
    optimizer.dispose();
    variable.dispose();
  });
}

for (const workers of [2, 3]) {
  test(`sgdUpdateRange with learning-rate multipliers = MomentumSgd with the same lrMult (${workers} workers, ranges cutting through variables)`, async () => {
    await initBackend('cpu');
    const rng = new Rng(21 + workers);
    const slots = [
      { name: 'backbone.conv.weight', shape: [13], offset: 0, size: 13 },
      { name: 'clsHead.fc1.weight', shape: [11], offset: 13, size: 11 },
      { name: 'clsHead.fc3.weight', shape: [7], offset: 24, size: 7 },
      { name: 'clsHead.fc3.bias', shape: [5], offset: 31, size: 5 },
    ];
    const size = 36;
    const options = { momentum: 0.9, weightDecay: 5e-4, lrMult: { clsHead: 0.1, 'clsHead.fc3': 3 } };
    const segments = rateSegments(slots, options.lrMult);
    assert.deepEqual(segments, [
      { start: 0, end: 13, factor: 1 },
      { start: 13, end: 24, factor: 0.1 },
      { start: 24, end: 36, factor: 3 },
    ]);
    const { w0, state, summed } = randomState(rng, size, workers);
    const variables: Array<[string, tf.Variable]> = slots.map((s) => [s.name, tf.variable(tf.tensor1d(w0.slice(s.offset, s.offset + s.size)))]);
    const optimizer = new MomentumSgd(options);
    for (const lr of [0.1, 0.05]) {
      for (let r = 0; r < workers; r++) sgdUpdateRange(state, size, workers, shardRange(size, r, workers), lr, options, segments);
      tf.tidy(() => optimizer.step(variables, Object.fromEntries(slots.map((s) => [s.name, tf.tensor1d(summed.slice(s.offset, s.offset + s.size))])), lr));
    }
    for (const [k, s] of slots.entries()) {
      const want = variables[k][1].dataSync();
      for (let i = 0; i < s.size; i++) assert.ok(Math.abs(state.weights[s.offset + i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `${s.name}[${i}]`);
    }
    optimizer.dispose();
    tf.dispose(variables.map(([, v]) => v));
  });
}

test('shardRange splits a vector into disjoint ranges covering it', () => {
  for (const [size, workers] of [[10, 3], [2, 2], [7, 1], [5, 4]]) {
    let next = 0;
    for (let r = 0; r < workers; r++) {
      const [lo, hi] = shardRange(size, r, workers);
      assert.equal(lo, next);
      assert.ok(hi >= lo);
      next = hi;
    }
    assert.equal(next, size);
  }
});

test('averageBuffers weighs each worker by its share', () => {
  const state: SharedTrainingState = {
    weights: new Float32Array(2 + 3),
    momentum: new Float32Array(2),
    grads: new Float32Array(0),
    buffers: Float32Array.from([1, 2, 3, 10, 20, 30]),
  };
  averageBuffers(state, 2, 3, [0.75, 0.25]);
  assert.deepEqual([...state.weights.subarray(2)], [3.25, 6.5, 9.75]);
});
