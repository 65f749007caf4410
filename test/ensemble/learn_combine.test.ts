import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CombineSampleCollector,
  combineLossAndGradient,
  combinePixelAccuracy,
  learnCombineWeights,
  uniformCombineWeights,
  type CombineTrainingSet,
} from '../../src/ensemble/learn_combine';
import type { CandidateMaps } from '../../src/ensemble/combine';
import { Rng } from '../../src/util/rng';

/** Random set: P pixels, N candidates, L classes. */
function randomSet(rng: Rng, P: number, N: number, L: number): CombineTrainingSet {
  return {
    count: N,
    numClasses: L,
    scores: Float32Array.from({ length: P * N * L }, () => rng.uniform(-3, 3)),
    labels: Uint8Array.from({ length: P }, () => rng.int(L)),
  };
}

/** Float64 reference loss written from the definition: mean over pixels of −log softmax(Σ_i λ_i ⊙ s_i)[y]. */
function referenceLoss(set: CombineTrainingSet, w: ArrayLike<number>): number {
  const { count: N, numClasses: L } = set;
  let total = 0;
  for (let p = 0; p < set.labels.length; p++) {
    const s = Array.from({ length: L }, (_, l) => {
      let v = 0;
      for (let i = 0; i < N; i++) v += w[i * L + l] * set.scores[(p * N + i) * L + l];
      return v;
    });
    const lse = Math.log(s.reduce((a, v) => a + Math.exp(v), 0));
    total += lse - s[set.labels[p]];
  }
  return total / set.labels.length;
}

test('combineLossAndGradient: loss equals the definition, gradient equals central finite differences', () => {
  const rng = new Rng(11);
  const [P, N, L] = [37, 3, 4];
  const set = randomSet(rng, P, N, L);
  const w = Float64Array.from({ length: N * L }, () => rng.uniform(-0.5, 1));
  const grad = new Float64Array(N * L);
  const loss = combineLossAndGradient(set, w, grad);
  assert.ok(Math.abs(loss - referenceLoss(set, w)) < 1e-10, `loss ${loss} vs ${referenceLoss(set, w)}`);
  const h = 1e-5;
  for (let k = 0; k < N * L; k++) {
    const plus = Float64Array.from(w);
    const minus = Float64Array.from(w);
    plus[k] += h;
    minus[k] -= h;
    const fd = (referenceLoss(set, plus) - referenceLoss(set, minus)) / (2 * h);
    assert.ok(Math.abs(fd - grad[k]) < 1e-6 * Math.max(1, Math.abs(fd)), `weight ${k}: analytic ${grad[k]} vs finite difference ${fd}`);
  }
});

test('learnCombineWeights lowers the CE from the average and learns to trust the informative candidate', () => {
  const rng = new Rng(12);
  const [P, N, L] = [600, 3, 4];
  // Candidate 0 points at the label; candidates 1 and 2 are pure noise of larger magnitude.
  const labels = Uint8Array.from({ length: P }, () => rng.int(L));
  const scores = new Float32Array(P * N * L);
  for (let p = 0; p < P; p++) {
    for (let l = 0; l < L; l++) {
      scores[(p * N + 0) * L + l] = (l === labels[p] ? 1 : 0) + 0.3 * rng.normal();
      scores[(p * N + 1) * L + l] = 3 * rng.normal();
      scores[(p * N + 2) * L + l] = 3 * rng.normal();
    }
  }
  const set: CombineTrainingSet = { count: N, numClasses: L, scores, labels };
  const avg = uniformCombineWeights(N, L);
  assert.ok(avg.every((v) => Math.abs(v - 1 / N) < 1e-7));
  const result = learnCombineWeights(set, { iterations: 60 });
  assert.ok(Math.abs(result.initialLoss - referenceLoss(set, avg)) < 1e-9, 'starts at the average');
  assert.ok(result.finalLoss < 0.5 * result.initialLoss, `CE ${result.initialLoss} -> ${result.finalLoss}`);
  assert.ok(Math.abs(result.finalLoss - referenceLoss(set, result.weights)) < 1e-5, 'reported loss is the loss of the returned weights');
  assert.ok(combinePixelAccuracy(set, result.weights) > combinePixelAccuracy(set, avg) + 0.1);
  for (let l = 0; l < L; l++) {
    const w0 = Math.abs(result.weights[l]);
    assert.ok(w0 > 5 * Math.abs(result.weights[L + l]) && w0 > 5 * Math.abs(result.weights[2 * L + l]), `class ${l}: ${result.weights}`);
  }
});

test('learnCombineWeights never increases the loss, even with a bad start or one iteration', () => {
  const rng = new Rng(13);
  const set = randomSet(rng, 200, 2, 3);
  for (const init of [undefined, Float32Array.from({ length: 6 }, () => rng.uniform(-4, 4))]) {
    for (const iterations of [1, 5, 30]) {
      const r = learnCombineWeights(set, { init, iterations });
      assert.ok(r.finalLoss <= r.initialLoss, `${iterations} iterations: ${r.initialLoss} -> ${r.finalLoss}`);
      assert.ok(r.iterations <= iterations);
    }
  }
});

test('CombineSampleCollector keeps labelled pixels only, with every candidate\'s scores', () => {
  const rng = new Rng(14);
  const [H, W, N, L] = [5, 7, 2, 3];
  const n = H * W;
  const maps: CandidateMaps = {
    height: H,
    width: W,
    numClasses: L,
    candidates: [{ scale: 1, flipped: false }, { scale: 1, flipped: true }],
    unaries: Float32Array.from({ length: N * n * L }, () => rng.uniform(-1, 1)),
    globals: null,
  };
  const label = Uint8Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 255 : rng.int(L)));
  const labelled = label.filter((v) => v !== 255).length;
  const collector = new CombineSampleCollector(10, 3);
  collector.add(maps, label);
  collector.add(maps, label.map(() => 255)); // all ignore: adds nothing
  const big = new CombineSampleCollector(1000, 3);
  big.add(maps, label);
  const set = collector.build();
  assert.equal(set.labels.length, 10);
  assert.equal(big.build().labels.length, labelled, 'at most every labelled pixel, each once');
  // Every sampled row is some labelled pixel's scores, with its label.
  for (let j = 0; j < set.labels.length; j++) {
    const row = set.scores.subarray(j * N * L, (j + 1) * N * L);
    const match = Array.from({ length: n }, (_, p) => p).filter(
      (p) =>
        label[p] === set.labels[j] &&
        Array.from({ length: N * L }, (_, k) => maps.unaries[(Math.floor(k / L) * n + p) * L + (k % L)]).every((v, k) => v === row[k]),
    );
    assert.equal(match.length, 1, `sample ${j} is not a labelled pixel of the maps`);
  }
  assert.throws(() => new CombineSampleCollector(4).build(), /no image added/);
});
