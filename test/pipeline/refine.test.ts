import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { runGuidanceCrf } from '../../src/crf/guidance_crf';
import { resolveCrfSettings } from '../../src/crf/settings';
import { buildDataset } from '../../src/data/registry';
import { initBackend } from '../../src/engine/backend';
import { SIX_CANDIDATES } from '../../src/ensemble/candidates';
import { inferUnary } from '../../src/ensemble/network';
import { tfjsRunner } from '../../src/ensemble/tfjs_runner';
import { evaluateDataset } from '../../src/eval/evaluate';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import type { Segmentor } from '../../src/model/types';
import { createCrfRunner, type CrfRunner } from '../../src/pipeline/crf_runner';
import { predictScores, scorePredictor } from '../../src/pipeline/predictor';
import { refineScores } from '../../src/pipeline/refine';
import { Rng } from '../../src/util/rng';

const L = 5;
let single: CrfRunner;
let pool: CrfRunner;

before(async () => {
  await initBackend('cpu');
  single = await createCrfRunner(1);
  pool = await createCrfRunner(2);
});
after(async () => {
  await single.close();
  await pool.close();
});

function tinyModel(variant: 'joint' | 'baseline', seed: number): Segmentor {
  return buildSegmentor(
    modelPreset('bench-vgg', { variant, numClasses: L, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }),
    seed,
  );
}

const logSigmoid = (x: number) => -Math.log1p(Math.exp(-x));

test('predictScores = ensemble, then the CRF with ĝ = log sigmoid(g); 1 and 2 threads agree', async () => {
  const model = tinyModel('joint', 1);
  const rng = new Rng(31);
  const [H, W] = [21, 18];
  const image = Uint8Array.from({ length: H * W * 3 }, () => rng.int(256));
  const crf = resolveCrfSettings({ w: 3, lambda: 0.7, r: 2, eps: 10, T: 4 });
  const opts = { ensemble: SIX_CANDIDATES, crf };
  const count = tf.memory().numTensors;
  const a = await predictScores(tfjsRunner(model), image, H, W, opts, { crfRunner: single });
  const b = await predictScores(tfjsRunner(model), image, H, W, opts, { crfRunner: pool });
  assert.equal(tf.memory().numTensors, count);
  const u = await inferUnary(tfjsRunner(model), image, H, W, SIX_CANDIDATES);
  const ref = runGuidanceCrf(
    { image, unary: u.scores, height: H, width: W, numClasses: L, logPresence: Array.from(u.global!, logSigmoid) },
    crf,
  );
  assert.deepEqual(Array.from(a.unary), Array.from(u.scores), 'unary before the CRF');
  let err = 0;
  for (let i = 0; i < ref.scores.length; i++) err = Math.max(err, Math.abs(a.scores[i] - ref.scores[i]), Math.abs(b.scores[i] - ref.scores[i]));
  assert.ok(err < 1e-4, `max error ${err}`);
  assert.ok(a.scores.some((v, i) => Math.abs(v - u.scores[i]) > 1e-3), 'the CRF changes the scores');
  assert.deepEqual(Array.from(a.labels), Array.from(ref.labels));
  model.dispose();
});

test('oracle: predictions never contain a class absent from the ground truth (no CRF, λ = 0, λ > 0)', () => {
  const rng = new Rng(32);
  for (let trial = 0; trial < 6; trial++) {
    const [H, W] = [9 + rng.int(6), 10 + rng.int(6)];
    const n = H * W;
    const image = Uint8Array.from({ length: n * 3 }, () => rng.int(256));
    const unary = Float32Array.from({ length: n * L }, () => 3 * rng.normal());
    const global = Float32Array.from({ length: L }, () => 3 * rng.normal());
    const present = Array.from({ length: L }, () => rng.next() < 0.4);
    if (!present.some(Boolean)) present[rng.int(L)] = true;
    for (const crf of [null, resolveCrfSettings({ w: 4, lambda: 0, r: 2, T: 3 }), resolveCrfSettings({ w: 4, lambda: 2, r: 2, T: 3 })]) {
      const scores = refineScores({ image, height: H, width: W, numClasses: L, unary, global, present }, crf, trial % 2 ? pool : single);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let l = 1; l < L; l++) if (scores[i * L + l] > scores[i * L + best]) best = l;
        assert.ok(present[best], `trial ${trial}, crf ${crf ? crf.lambda : 'off'}: pixel ${i} predicted absent class ${best}`);
      }
      assert.ok(unary.every(Number.isFinite), 'the input unary is left untouched');
    }
  }
});

test('oracle through evaluateDataset: the confusion matrix of each image has no absent-class column', async () => {
  const dataset = buildDataset({ type: 'context', trainSplit: 'train', valSplit: 'val', context: { seed: 3, trainSize: 4, valSize: 3, height: 24, width: 24, noise: 10 } }, 'val');
  const K = dataset.classes.length;
  const big = buildSegmentor(
    modelPreset('bench-vgg', { numClasses: K, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }),
    3,
  );
  const crf = resolveCrfSettings({ w: 3, lambda: 1, r: 2, T: 2 });
  for (let i = 0; i < dataset.length; i++) {
    const one = { ...dataset, length: 1, get: () => dataset.get(i) };
    const r = await evaluateDataset(one, scorePredictor(tfjsRunner(big), { ensemble: SIX_CANDIDATES, crf }, { crfRunner: pool, oracle: true }), {
      numClasses: K,
      oracle: true,
    });
    const s = await dataset.get(i);
    const present = new Set(Array.from(s.label).filter((v) => v !== 255));
    for (let p = 0; p < K; p++) {
      if (present.has(p)) continue;
      for (let t = 0; t < K; t++) assert.equal(r.confusion.get(t, p), 0, `image ${i}: absent class ${p} predicted`);
    }
  }
  big.dispose();
});

test('CRF with λ > 0 on a baseline model (no global scores) is a clear error; λ = 0 runs', async () => {
  const model = tinyModel('baseline', 4);
  const image = new Uint8Array(8 * 8 * 3).fill(100);
  const network = tfjsRunner(model);
  await assert.rejects(
    () => predictScores(network, image, 8, 8, { ensemble: SIX_CANDIDATES, crf: resolveCrfSettings({ lambda: 1 }) }, { crfRunner: single }),
    /crf.lambda = 1 needs global scores.*baseline/,
  );
  const r = await predictScores(network, image, 8, 8, { ensemble: SIX_CANDIDATES, crf: resolveCrfSettings({ lambda: 0, r: 2 }) }, { crfRunner: single });
  assert.equal(r.scores.length, 8 * 8 * L);
  await assert.rejects(() => predictScores(network, image, 8, 8, { ensemble: SIX_CANDIDATES, crf: resolveCrfSettings({}) }), /needs a CrfRunner/);
  model.dispose();
});
