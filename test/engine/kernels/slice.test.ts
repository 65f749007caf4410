/**
 * The heap-view slicing kernels on wasm (`Slice`, `SplitV`, `Unpack`,
 * `StridedSlice`) against the cpu backend, on fresh random shapes of rank 1-5.
 * Slicing is exact: results must be identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/util/rng';
import { freshSeed, onBackend, randomArray } from '../helpers';

function randomShape(rng: Rng): number[] {
  const rank = 1 + rng.int(5);
  return Array.from({ length: rank }, () => 1 + rng.int(6));
}

async function bothBackends(f: () => tf.Tensor | tf.Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  return [await onBackend('wasm', f), await onBackend('cpu', f)];
}

test('Slice, SplitV, Unpack and StridedSlice on wasm equal the cpu results', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < 60; n++) {
    const shape = randomShape(rng);
    const values = randomArray(rng, shape.reduce((a, b) => a * b, 1));
    const begin = shape.map((s) => rng.int(s));
    const size = shape.map((s, i) => (rng.next() < 0.2 ? -1 : 1 + rng.int(s - begin[i])));
    const axis = rng.int(shape.length);
    const cut = rng.int(shape[axis] + 1);
    const strides = shape.map(() => 1 + rng.int(2));
    const end = shape.map((s, i) => begin[i] + 1 + rng.int(s - begin[i]));
    const cases: Record<string, () => tf.Tensor | tf.Tensor[]> = {
      slice: () => tf.slice(tf.tensor(values, shape), begin, size),
      split: () => tf.split(tf.tensor(values, shape), [cut, shape[axis] - cut], axis),
      unstack: () => tf.unstack(tf.tensor(values, shape), axis),
      stridedSlice: () => tf.stridedSlice(tf.tensor(values, shape), begin, end, strides),
      contiguousStridedSlice: () => tf.stridedSlice(tf.tensor(values, shape), begin, end, shape.map(() => 1)),
      int32Slice: () => tf.cast(tf.slice(tf.cast(tf.tensor(values, shape), 'int32'), begin, size), 'float32'),
    };
    for (const [name, f] of Object.entries(cases)) {
      const [got, ref] = await bothBackends(f);
      assert.equal(got.length, ref.length, `seed ${seed}: ${name} output count`);
      got.forEach((g, i) =>
        assert.deepEqual(Array.from(g), Array.from(ref[i]), `seed ${seed}: ${name} shape=${shape} begin=${begin} size=${size}`),
      );
    }
  }
});

test('slicing kernels on wasm leave no tensors behind', async () => {
  await onBackend('wasm', () => tf.zeros([1]));
  const x = tf.ones([2, 3, 4, 5]);
  const before = tf.memory().numTensors;
  tf.dispose([tf.slice(x, [0, 1, 1, 0], [2, 2, 2, 5]), ...tf.split(x, [1, 2], 1), ...tf.unstack(x, 2), tf.stridedSlice(x, [0, 1], [2, 3])]);
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
