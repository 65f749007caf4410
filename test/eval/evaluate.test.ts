import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset, Sample } from '../../src/data/types';
import { evaluateDataset, type ScorePredictor } from '../../src/eval/evaluate';
import { Rng } from '../../src/util/rng';

const IGNORE = 255;

/** An in-memory data set of random samples of assorted sizes, each using a random subset of classes. */
function fakeDataset(L: number, count: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const height = 3 + rng.int(5);
    const width = 3 + rng.int(5);
    const used = Array.from({ length: 1 + rng.int(L - 1) }, () => rng.int(L));
    const label = Uint8Array.from({ length: height * width }, () => (rng.next() < 0.1 ? IGNORE : used[rng.int(used.length)]));
    samples.push({ name: `s${i}`, height, width, image: new Uint8Array(height * width * 3), label });
  }
  return {
    type: 'fake',
    split: 'val',
    classes: Array.from({ length: L }, (_, l) => `c${l}`),
    palette: Array.from({ length: L }, () => [0, 0, 0] as const),
    length: count,
    get: async (i) => samples[i],
  };
}

/** Predictions made in advance per sample: class ids (any class), turned into one-hot scores. */
function fixedPredictions(dataset: Dataset, L: number, seed: number): { predict: ScorePredictor; preds: Map<string, Uint8Array> } {
  const rng = new Rng(seed);
  const preds = new Map<string, Uint8Array>();
  const predict: ScorePredictor = async (sample) => {
    let pred = preds.get(sample.name);
    if (!pred) {
      pred = Uint8Array.from({ length: sample.height * sample.width }, () => rng.int(L));
      preds.set(sample.name, pred);
    }
    // Scores with the predicted class highest; also some noise below it.
    const scores = new Float32Array(pred.length * L);
    for (let p = 0; p < pred.length; p++) {
      for (let l = 0; l < L; l++) scores[p * L + l] = rng.uniform(-1, 0);
      scores[p * L + pred[p]] = 1;
    }
    return scores;
  };
  void dataset;
  return { predict, preds };
}

/** Brute-force confusion counts [label][pred] over a whole data set. */
async function bruteConfusion(dataset: Dataset, L: number, predOf: (s: Sample) => Uint8Array, limit = dataset.length): Promise<number[][]> {
  const counts = Array.from({ length: L }, () => new Array<number>(L).fill(0));
  for (let i = 0; i < limit; i++) {
    const s = await dataset.get(i);
    const pred = predOf(s);
    for (let p = 0; p < s.label.length; p++) if (s.label[p] !== IGNORE) counts[s.label[p]][pred[p]]++;
  }
  return counts;
}

function matrixOf(cm: { get(a: number, b: number): number }, L: number): number[][] {
  return Array.from({ length: L }, (_, t) => Array.from({ length: L }, (_, p) => cm.get(t, p)));
}

test('evaluateDataset: the confusion matrix equals a brute-force count of the predictions', async () => {
  const L = 5;
  const dataset = fakeDataset(L, 6, 1);
  const { predict, preds } = fixedPredictions(dataset, L, 2);
  const progress: number[] = [];
  const result = await evaluateDataset(dataset, predict, { numClasses: L, onSample: (done, total) => progress.push(done * 100 + total) });
  assert.equal(result.images, 6);
  assert.deepEqual(progress, [1, 2, 3, 4, 5, 6].map((d) => d * 100 + 6));
  const want = await bruteConfusion(dataset, L, (s) => preds.get(s.name)!);
  assert.deepEqual(matrixOf(result.confusion, L), want);
  // Pixel accuracy from the brute-force matrix.
  const total = want.flat().reduce((a, b) => a + b, 0);
  const correct = want.reduce((a, row, t) => a + row[t], 0);
  assert.ok(Math.abs(result.metrics.pixelAccuracy - correct / total) < 1e-12);
});

test('evaluateDataset: limit evaluates only the first samples', async () => {
  const L = 4;
  const dataset = fakeDataset(L, 5, 3);
  const { predict, preds } = fixedPredictions(dataset, L, 4);
  const result = await evaluateDataset(dataset, predict, { numClasses: L, limit: 2 });
  assert.equal(result.images, 2);
  assert.deepEqual(matrixOf(result.confusion, L), await bruteConfusion(dataset, L, (s) => preds.get(s.name)!, 2));
});

test('evaluateDataset oracle: only classes present in the ground truth are ever predicted', async () => {
  const L = 6;
  const dataset = fakeDataset(L, 8, 5);
  const rng = new Rng(6);
  const seen: Float32Array[] = [];
  const predict: ScorePredictor = async (sample) => {
    const scores = Float32Array.from({ length: sample.height * sample.width * L }, () => rng.uniform(-2, 2));
    seen.push(scores.slice());
    return scores;
  };
  const result = await evaluateDataset(dataset, predict, { numClasses: L, oracle: true });
  // Brute force: argmax over the classes present in each label.
  let k = 0;
  const want = await bruteConfusion(dataset, L, (s) => {
    const scores = seen[k++];
    const present = new Set(Array.from(s.label).filter((v) => v !== IGNORE));
    return Uint8Array.from({ length: s.label.length }, (_, p) => {
      let best = -1;
      for (const l of present) if (best < 0 || scores[p * L + l] > scores[p * L + best]) best = l;
      return best;
    });
  });
  assert.deepEqual(matrixOf(result.confusion, L), want);
  // Without the oracle the same scores do pick absent classes, so the restriction mattered.
  let j = 0;
  const plain = await bruteConfusion(dataset, L, (s) =>
    Uint8Array.from({ length: s.label.length }, (_, p) => {
      const scores = seen[j];
      let best = 0;
      for (let l = 1; l < L; l++) if (scores[p * L + l] > scores[p * L + best]) best = l;
      if (p === s.label.length - 1) j++;
      return best;
    }),
  );
  assert.notDeepEqual(plain, want);
});

test('evaluateDataset errors: empty data set, class-count mismatch, wrong score count', async () => {
  const L = 3;
  const empty = { ...fakeDataset(L, 1, 7), length: 0 };
  const predict: ScorePredictor = async (s) => new Float32Array(s.height * s.width * L);
  await assert.rejects(evaluateDataset(empty, predict, { numClasses: L }), /fake\/val is empty/);
  const dataset = fakeDataset(L, 2, 8);
  await assert.rejects(evaluateDataset(dataset, predict, { numClasses: L + 1 }), /4 classes but data set fake\/val has 3/);
  const short: ScorePredictor = async (s) => new Float32Array(s.height * s.width * L - 1);
  await assert.rejects(evaluateDataset(dataset, short, { numClasses: L }), /prediction for s0 has/);
  // Labels that are all ignore: no figure to report (it would be NaN).
  const voidOnly = { ...dataset, get: async (i: number) => ({ ...(await dataset.get(i)), label: (await dataset.get(i)).label.map(() => IGNORE) }) };
  await assert.rejects(evaluateDataset(voidOnly, predict, { numClasses: L }), /fake\/val: no labelled pixel in 2 images/);
});
