import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { candidateUnaries } from '../../src/ensemble/infer';
import { SIX_CANDIDATES } from '../../src/ensemble/candidates';
import { type CombineMode } from '../../src/ensemble/combine';
import { combineCandidateArrays } from '../../src/ensemble/combine';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { Rng } from '../../src/util/rng';

const L = 5;

before(async () => {
  await initBackend('cpu');
});

function tinyModel(variant: 'joint' | 'baseline' = 'joint') {
  return buildSegmentor(
    modelPreset('bench-vgg', {
      variant,
      numClasses: L,
      backbone: { width: 0.0625 },
      denseHead: { channels: 8, dilation: 2 },
      clsHead: { hidden: 8, poolSize: 2 },
    }),
    7,
  );
}

function randomImage(rng: Rng, height: number, width: number): Uint8Array {
  return Uint8Array.from({ length: height * width * 3 }, () => rng.int(256));
}

/** Mirrors an HWC image (or map) left-right. */
function flipHwc<T extends Uint8Array | Float32Array>(data: T, height: number, width: number, channels: number): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) out[(y * width + (width - 1 - x)) * channels + c] = data[(y * width + x) * channels + c];
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Float64 combination of candidates laid out [N, P, L]. */
function referenceCombine(data: Float32Array, n: number, perCandidate: number, mode: CombineMode, weights?: Float32Array): Float64Array {
  const out = new Float64Array(perCandidate);
  const numClasses = L;
  for (let i = 0; i < perCandidate; i++) {
    let sum = 0;
    let max = -Infinity;
    let weighted = 0;
    for (let k = 0; k < n; k++) {
      const v = data[k * perCandidate + i];
      sum += v;
      max = Math.max(max, v);
      if (weights) weighted += weights[k * numClasses + (i % numClasses)] * v;
    }
    out[i] = mode === 'avg' ? sum / n : mode === 'max' ? max : mode === 'avgmax' ? (sum / n + max) / 2 : weighted;
  }
  return out;
}

test('the combination rules match a float64 brute force for avg, max, avgmax and learned', () => {
  const rng = new Rng(1);
  const [N, H, W] = [4, 3, 6];
  const data = Float32Array.from({ length: N * H * W * L }, () => rng.uniform(-5, 5));
  const weights = Float32Array.from({ length: N * L }, () => rng.uniform(0, 1));
  for (const mode of ['avg', 'max', 'avgmax', 'learned'] as const) {
    const combined = combineCandidateArrays(data, N, L, mode, mode === 'learned' ? weights : undefined);
    assert.equal(combined.length, H * W * L);
    const err = maxAbsDiff(combined, referenceCombine(data, N, H * W * L, mode, weights));
    assert.ok(err < 1e-5, `${mode}: max error ${err}`);
  }
});

test('learned combination with all weights 1/N equals avg; a wrong weight count throws', () => {
  const rng = new Rng(2);
  const [N, H, W] = [6, 4, 3];
  const data = Float32Array.from({ length: N * H * W * L }, () => rng.uniform(-3, 3));
  const avg = combineCandidateArrays(data, N, L, 'avg');
  const learned = combineCandidateArrays(data, N, L, 'learned', new Float32Array(N * L).fill(1 / N));
  assert.ok(maxAbsDiff(avg, learned) < 1e-5);
  assert.throws(() => combineCandidateArrays(data, N, L, 'learned', new Float32Array(N * L - 1)), /6×5 weights, got 29/);
  assert.throws(() => combineCandidateArrays(data, N, L, 'learned'), /weights, got 0/);
});

test('candidateUnaries: the flipped candidate is mirrored back (undo of the flip)', () => {
  const model = tinyModel();
  const rng = new Rng(3);
  const [H, W] = [16, 24];
  const image = randomImage(rng, H, W);
  const mirrored = flipHwc(image, H, W, 3);
  const count = tf.memory().numTensors;
  const a = candidateUnaries(model, image, H, W, { scales: [1], flip: true });
  const b = candidateUnaries(model, mirrored, H, W, { scales: [1], flip: true });
  assert.deepEqual(a.unaries.shape, [2, H, W, L]);
  const per = H * W * L;
  const [a0, a1] = [a.unaries.dataSync().slice(0, per), a.unaries.dataSync().slice(per)] as Float32Array[];
  const [b0, b1] = [b.unaries.dataSync().slice(0, per), b.unaries.dataSync().slice(per)] as Float32Array[];
  // Flipped candidate of x = mirror of the plain candidate of mirror(x), and vice versa.
  assert.ok(maxAbsDiff(a1, flipHwc(b0, H, W, L)) < 1e-5, 'flipped candidate not mirrored back');
  assert.ok(maxAbsDiff(b1, flipHwc(a0, H, W, L)) < 1e-5, 'flipped candidate not mirrored back');
  // The two candidates really differ (the network is not mirror-symmetric), so the check has teeth.
  assert.ok(maxAbsDiff(a0, a1) > 1e-4);
  // Global scores: one row per candidate; g of the flipped run of x = g of the plain run of mirror(x).
  assert.deepEqual(a.global!.shape, [2, L]);
  assert.ok(maxAbsDiff(a.global!.dataSync().slice(L), b.global!.dataSync().slice(0, L)) < 1e-5);
  tf.dispose([a.unaries, a.global!, b.unaries, b.global!]);
  assert.equal(tf.memory().numTensors, count, 'no tensors left');
  model.dispose();
});

test('candidateUnaries with scales 1.2/1/0.8 on an odd size gives every candidate at the original size', () => {
  const model = tinyModel('baseline');
  const rng = new Rng(4);
  const [H, W] = [19, 23];
  const image = randomImage(rng, H, W);
  const { unaries, global } = candidateUnaries(model, image, H, W, { scales: [1.2, 1, 0.8], flip: true });
  assert.deepEqual(unaries.shape, [6, H, W, L]);
  assert.equal(global, null, 'baseline has no global scores');
  const values = unaries.dataSync();
  assert.ok(values.every(Number.isFinite));
  // Candidate 2 (scale 1, not flipped) is the plain forward pass.
  const plain = tf.tidy(() => {
    const out = model.forward(tf.tensor4d(Float32Array.from(image), [1, H, W, 3]), { training: false });
    return model.unary(out, H, W);
  });
  const per = H * W * L;
  assert.ok(maxAbsDiff(values.slice(2 * per, 3 * per), plain.dataSync()) < 1e-5);
  tf.dispose([unaries, plain]);
  model.dispose();
});


test('candidateUnaries rejects empty or non-positive scales and a wrong image length', () => {
  const model = tinyModel();
  const image = new Uint8Array(8 * 8 * 3);
  const count = tf.memory().numTensors;
  for (const scales of [[], [-1], [0], [NaN], [1, Infinity]]) {
    assert.throws(() => candidateUnaries(model, image, 8, 8, { scales, flip: false }), /ensemble scales must be/);
  }
  assert.throws(() => candidateUnaries(model, image, 8, 9, { scales: [1], flip: false }), /192 values, expected 8×9×3/);
  assert.equal(tf.memory().numTensors, count);
  model.dispose();
});
