import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { combineCandidateArrays, combineMaps, identityCandidate, meanGlobalScores, singleCandidate } from '../../src/ensemble/combine';
import { candidateMaps, candidateUnaries } from '../../src/ensemble/infer';
import { candidateList, SIX_CANDIDATES } from '../../src/ensemble/candidates';
import { type CombineMode } from '../../src/ensemble/combine';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { Rng } from '../../src/util/rng';

before(async () => {
  await initBackend('cpu');
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The combination rules written with tfjs ops (cpu backend): an independent reference. */
function tensorCombine(t: tf.Tensor4D, mode: CombineMode, weights: Float32Array): tf.Tensor {
  return tf.tidy(() => {
    if (mode === 'avg') return tf.mean(t, 0);
    if (mode === 'max') return tf.max(t, 0);
    if (mode === 'avgmax') return tf.div(tf.add(tf.mean(t, 0), tf.max(t, 0)), 2);
    return tf.sum(tf.mul(t, tf.tensor4d(weights, [t.shape[0], 1, 1, t.shape[3]])), 0);
  });
}

test('combineCandidateArrays matches the tensor combination (tfjs cpu) for every mode', () => {
  const rng = new Rng(21);
  const [N, H, W, L] = [6, 3, 5, 4];
  const data = Float32Array.from({ length: N * H * W * L }, () => rng.uniform(-4, 4));
  const weights = Float32Array.from({ length: N * L }, () => rng.uniform(-1, 1));
  const t = tf.tensor4d(data, [N, H, W, L]);
  for (const mode of ['avg', 'max', 'avgmax', 'learned'] as const) {
    const ref = tensorCombine(t, mode, weights);
    const err = maxAbsDiff(combineCandidateArrays(data, N, L, mode, weights), ref.dataSync());
    assert.ok(err < 1e-5, `${mode}: ${err}`);
    ref.dispose();
  }
  t.dispose();
  assert.throws(() => combineCandidateArrays(data, N, L, 'learned', new Float32Array(3)), /6×4 weights, got 3/);
  assert.throws(() => combineCandidateArrays(data, 7, L, 'avg'), /not 7 candidates/);
});

test('candidateMaps: typed arrays of candidateUnaries, candidate order, identity candidate and global mean', () => {
  const L = 4;
  const model = buildSegmentor(
    modelPreset('bench-vgg', { numClasses: L, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }),
    5,
  );
  const rng = new Rng(22);
  const [H, W] = [13, 17];
  const image = Uint8Array.from({ length: H * W * 3 }, () => rng.int(256));
  const count = tf.memory().numTensors;
  const maps = candidateMaps(model, image, H, W, SIX_CANDIDATES);
  assert.equal(tf.memory().numTensors, count, 'no tensors left');
  const ref = candidateUnaries(model, image, H, W, SIX_CANDIDATES);
  assert.deepEqual(Array.from(maps.unaries), Array.from(ref.unaries.dataSync()));
  assert.deepEqual(maps.candidates, candidateList(SIX_CANDIDATES));
  assert.deepEqual(
    maps.candidates.map((c) => `${c.scale}${c.flipped ? 'f' : ''}`),
    ['1.2', '1.2f', '1', '1f', '0.8', '0.8f'],
  );
  assert.equal(identityCandidate(maps), 2);
  const g = ref.global!.dataSync();
  const gMean = Array.from({ length: L }, (_, l) => [0, 1, 2, 3, 4, 5].reduce((s, k) => s + g[k * L + l], 0) / 6);
  assert.ok(maxAbsDiff(meanGlobalScores(maps)!, gMean) < 1e-6);
  const single = singleCandidate(maps, 2);
  assert.deepEqual(Array.from(combineMaps(single, 'avg')), Array.from(ref.unaries.dataSync().slice(2 * H * W * L, 3 * H * W * L)));
  assert.deepEqual(Array.from(meanGlobalScores(single)!), Array.from(g.slice(2 * L, 3 * L)));
  assert.equal(identityCandidate({ candidates: candidateList({ scales: [1.2, 0.8], flip: true }) }), -1);
  tf.dispose([ref.unaries, ref.global!]);
  model.dispose();
});
