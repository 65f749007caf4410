import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { binaryCrossEntropyWithLogits, crossEntropy, jointLoss, medianFrequencyWeights, presenceTargets } from '../../src/train/loss';
import { Rng } from '../../src/util/rng';

const IGNORE = 255;

function randomLogits(rng: Rng, n: number, scale = 4): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-scale, scale);
  return out;
}

/** Labels in 0..L-1 with about `ignoreRate` of them set to 255. */
function randomLabels(rng: Rng, n: number, L: number, ignoreRate = 0.2): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() < ignoreRate ? IGNORE : rng.int(L);
  return out;
}

/** Float64 mean cross-entropy over non-ignored pixels; 0 when none. */
function referenceCe(logits: Float32Array, labels: Uint8Array, L: number): number {
  let sum = 0;
  let valid = 0;
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] === IGNORE) continue;
    let max = -Infinity;
    for (let l = 0; l < L; l++) max = Math.max(max, logits[p * L + l]);
    let z = 0;
    for (let l = 0; l < L; l++) z += Math.exp(logits[p * L + l] - max);
    sum += -(logits[p * L + labels[p]] - max - Math.log(z));
    valid++;
  }
  return valid ? sum / valid : 0;
}

/** Float64 mean BCE of sigmoid(x) vs z, from the textbook formula. */
function referenceBce(x: Float32Array, z: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const p = 1 / (1 + Math.exp(-x[i]));
    sum += -(z[i] * Math.log(p) + (1 - z[i]) * Math.log(1 - p));
  }
  return sum / x.length;
}

/** Float64 presence targets. */
function referencePresence(labels: Uint8Array, B: number, L: number): Float32Array {
  const z = new Float32Array(B * L);
  const per = labels.length / B;
  for (let b = 0; b < B; b++) for (let i = 0; i < per; i++) if (labels[b * per + i] !== IGNORE) z[b * L + labels[b * per + i]] = 1;
  return z;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

function scalarOf(t: tf.Scalar): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

async function checkCrossEntropyValue(seed: number): Promise<void> {
  const rng = new Rng(seed);
  const [B, H, W, L] = [2, 5, 7, 6];
  const logits = randomLogits(rng, B * H * W * L);
  const labels = randomLabels(rng, B * H * W, L);
  const t = tf.tensor4d(logits, [B, H, W, L]);
  const got = scalarOf(crossEntropy(t, labels));
  t.dispose();
  const want = referenceCe(logits, labels, L);
  assert.ok(relErr(got, want) < 1e-5, `CE ${got} vs reference ${want}`);
}

test('crossEntropy matches a float64 reference (ignore 255 excluded) on cpu', async () => {
  await initBackend('cpu');
  for (const seed of [1, 2, 3]) await checkCrossEntropyValue(seed);
});

test('crossEntropy matches a float64 reference on wasm (oneHot regression guard)', async () => {
  await initBackend('wasm');
  try {
    for (const seed of [4, 5]) await checkCrossEntropyValue(seed);
  } finally {
    await initBackend('cpu');
  }
});

test('crossEntropy of an all-ignore batch is 0, and an out-of-range label throws naming it', async () => {
  await initBackend('cpu');
  const rng = new Rng(7);
  const t = tf.tensor4d(randomLogits(rng, 1 * 3 * 3 * 4), [1, 3, 3, 4]);
  const allIgnore = scalarOf(crossEntropy(t, new Uint8Array(9).fill(IGNORE)));
  assert.ok(allIgnore === 0, `all-ignore CE is ${allIgnore}`); // -0 counts as 0
  const bad = new Uint8Array(9);
  bad[4] = 9;
  assert.throws(() => crossEntropy(t, bad), /label value 9/);
  const g = tf.tensor2d(randomLogits(rng, 4), [1, 4]);
  assert.throws(() => jointLoss(t, g, bad, 1), /label value 9/);
  assert.throws(() => presenceTargets(bad, 1, 4), /label value 9/);
  tf.dispose([t, g]);
});

test('crossEntropy gradient w.r.t. logits equals (softmax − onehot) / valid count', async () => {
  await initBackend('cpu');
  const rng = new Rng(11);
  const [B, H, W, L] = [2, 3, 4, 5];
  const logits = randomLogits(rng, B * H * W * L);
  const labels = randomLabels(rng, B * H * W, L, 0.3);
  const valid = labels.filter((v) => v !== IGNORE).length;
  assert.ok(valid > 0);
  const x = tf.tensor4d(logits, [B, H, W, L]);
  const grad = tf.grad((v: tf.Tensor) => crossEntropy(v as tf.Tensor4D, labels))(x);
  const got = grad.dataSync();
  tf.dispose([x, grad]);
  let maxErr = 0;
  for (let p = 0; p < labels.length; p++) {
    let max = -Infinity;
    for (let l = 0; l < L; l++) max = Math.max(max, logits[p * L + l]);
    let z = 0;
    for (let l = 0; l < L; l++) z += Math.exp(logits[p * L + l] - max);
    for (let l = 0; l < L; l++) {
      const want = labels[p] === IGNORE ? 0 : (Math.exp(logits[p * L + l] - max) / z - (labels[p] === l ? 1 : 0)) / valid;
      maxErr = Math.max(maxErr, Math.abs(got[p * L + l] - want));
    }
  }
  assert.ok(maxErr < 1e-6, `max gradient error ${maxErr}`);
});

test('binaryCrossEntropyWithLogits matches a float64 reference, including large |x|', async () => {
  await initBackend('cpu');
  const rng = new Rng(13);
  const [B, L] = [3, 7];
  const x = randomLogits(rng, B * L, 12);
  const z = new Float32Array(B * L).map(() => rng.int(2));
  const t = tf.tensor2d(x, [B, L]);
  const got = scalarOf(binaryCrossEntropyWithLogits(t, z));
  t.dispose();
  const want = referenceBce(x, z);
  assert.ok(relErr(got, want) < 1e-5, `BCE ${got} vs reference ${want}`);
  // Stability: |x| = 80 would overflow a naive sigmoid/log in float32.
  const big = tf.tensor2d([80, -80], [1, 2]);
  const stable = scalarOf(binaryCrossEntropyWithLogits(big, Float32Array.from([0, 1])));
  big.dispose();
  assert.ok(relErr(stable, 80) < 1e-6, `BCE at |x| = 80: ${stable}`);
});

test('presenceTargets and jointLoss match float64 references (joint and baseline)', async () => {
  await initBackend('cpu');
  const rng = new Rng(17);
  const [B, H, W, L] = [3, 4, 5, 6];
  const logits = randomLogits(rng, B * H * W * L);
  const labels = randomLabels(rng, B * H * W, L, 0.3);
  // One image all-ignore: its presence row must be all zero.
  labels.fill(IGNORE, 0, H * W);
  const g = randomLogits(rng, B * L);
  const z = referencePresence(labels, B, L);
  assert.deepEqual(Array.from(presenceTargets(labels, B, L)), Array.from(z));
  const beta = 0.7;
  const u = tf.tensor4d(logits, [B, H, W, L]);
  const gt = tf.tensor2d(g, [B, L]);
  const before = tf.memory().numTensors;
  const terms = jointLoss(u, gt, labels, beta);
  const ce = referenceCe(logits, labels, L);
  const cls = referenceBce(g, z);
  assert.ok(relErr(terms.ce.dataSync()[0], ce) < 1e-5);
  assert.ok(relErr(terms.cls!.dataSync()[0], cls) < 1e-5);
  assert.ok(relErr(terms.total.dataSync()[0], ce + beta * cls) < 1e-5);
  tf.dispose([terms.ce, terms.cls!, terms.total]);
  assert.equal(tf.memory().numTensors, before, 'jointLoss leaves only its three results');
  const base = jointLoss(u, null, labels, beta);
  assert.equal(base.cls, null);
  assert.equal(base.total, base.ce);
  assert.ok(relErr(base.total.dataSync()[0], ce) < 1e-5);
  base.ce.dispose();
  tf.dispose([u, gt]);
});

test('class-weighted crossEntropy equals Σ w[y]·(−log p_y) / Σ w[y] in float64 on wasm and cpu', async () => {
  const rng = new Rng(11);
  const [n, L] = [300, 5];
  const logits = randomLogits(rng, n * L);
  const labels = randomLabels(rng, n, L);
  const weights = Float32Array.from([0.5, 2, 0, 1, 3.5]);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y === IGNORE) continue;
    const row = Array.from(logits.subarray(i * L, (i + 1) * L));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    num += weights[y] * (lse - row[y]);
    den += weights[y];
  }
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend);
    const got = tf.tidy(() => crossEntropy(tf.tensor4d(logits, [1, 1, n, L]), labels, weights).dataSync()[0]);
    assert.ok(Math.abs(got - num / den) < 1e-5 * (num / den), `${backend}: ${got} vs ${num / den}`);
    assert.throws(() => crossEntropy(tf.zeros([1, 1, n, L]) as tf.Tensor4D, labels, Float32Array.from([1, 2])), /2 class weights for 5 classes/);
  }
});

test('median-frequency weights: median(f)/f_c with f_c = pixels / pixels of the images holding c; absent classes 0', () => {
  const w = medianFrequencyWeights([
    { pixels: 50, imagePixels: 100 }, // f 0.5
    { pixels: 10, imagePixels: 100 }, // f 0.1
    { pixels: 20, imagePixels: 80 }, // f 0.25
    { pixels: 0, imagePixels: 0 }, // absent
  ]);
  assert.deepEqual(Array.from(w), [0.5, 2.5, 1, 0]);
  assert.throws(() => medianFrequencyWeights([{ pixels: 0, imagePixels: 0 }]), /no labelled pixel/);
});
