import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { load } from '../src/api';
import { runGuidanceCrf } from '../src/crf/guidance_crf';
import { initBackend } from '../src/engine/backend';
import { buildSegmentor } from '../src/model/build';
import { modelPreset } from '../src/model/presets';
import { saveWeights } from '../src/model/serialization';
import { Rng } from '../src/util/rng';

const L = 5;
let tmp = '';
let withMeta = '';
let bare = '';

before(async () => {
  await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-api-'));
  const config = modelPreset('bench-vgg', {
    numClasses: L,
    backbone: { width: 0.0625 },
    denseHead: { channels: 8, dilation: 2 },
    clsHead: { hidden: 8, poolSize: 2 },
  });
  const model = buildSegmentor(config, 3);
  withMeta = path.join(tmp, 'with-meta');
  bare = path.join(tmp, 'bare');
  const classes = ['a', 'b', 'c', 'd', 'e'];
  const palette = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13, 14, 15]];
  await saveWeights(withMeta, model, { classes, palette });
  await saveWeights(bare, model);
  model.dispose();
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Brute-force per-pixel argmax (first maximum wins). */
function argmaxRef(scores: Float32Array, numClasses: number): Uint8Array {
  const n = scores.length / numClasses;
  return Uint8Array.from({ length: n }, (_, p) => {
    let best = 0;
    for (let l = 1; l < numClasses; l++) if (scores[p * numClasses + l] > scores[p * numClasses + best]) best = l;
    return best;
  });
}

function randomRgb(rng: Rng, pixels: number): Uint8Array {
  return Uint8Array.from({ length: pixels * 3 }, () => rng.int(256));
}

function toRgba(rgb: Uint8Array): Uint8ClampedArray {
  const pixels = rgb.length / 3;
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    rgba.set(rgb.subarray(3 * i, 3 * i + 3), 4 * i);
    rgba[4 * i + 3] = 255 - (i % 7); // alpha must not matter
  }
  return rgba;
}

test('load + segment: RGB and RGBA give the same labels, labels = argmax of the scores', async () => {
  const segmenter = await load(withMeta, { backend: 'cpu' });
  assert.deepEqual(segmenter.classes, ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(segmenter.palette[1], [4, 5, 6]);
  const rng = new Rng(1);
  const [width, height] = [23, 17];
  const rgb = randomRgb(rng, width * height);
  const count = tf.memory().numTensors;
  const a = await segmenter.segment({ data: rgb, width, height });
  const b = await segmenter.segment({ data: toRgba(rgb), width, height });
  assert.equal(tf.memory().numTensors, count, 'segment leaves no tensors');
  assert.equal(a.width, width);
  assert.equal(a.height, height);
  assert.equal(a.labels.length, width * height);
  assert.equal(a.scores.length, width * height * L);
  assert.equal(a.globalScores!.length, L);
  assert.ok(a.labels.every((v) => v < L));
  assert.deepEqual(Array.from(a.labels), Array.from(argmaxRef(a.scores, L)));
  assert.deepEqual(Array.from(b.labels), Array.from(a.labels));
  assert.deepEqual(Array.from(b.scores), Array.from(a.scores));
  segmenter.dispose();
});

test('segment with the 6-candidate ensemble and explicit scales', async () => {
  const segmenter = await load(bare, { backend: 'cpu' });
  assert.deepEqual(segmenter.classes, ['class 0', 'class 1', 'class 2', 'class 3', 'class 4']);
  assert.equal(segmenter.palette.length, L);
  const rng = new Rng(2);
  const [width, height] = [19, 15];
  const rgb = randomRgb(rng, width * height);
  const six = await segmenter.segment({ data: rgb, width, height }, { ensemble: true });
  const single = await segmenter.segment({ data: rgb, width, height });
  const custom = await segmenter.segment({ data: rgb, width, height }, { ensemble: { scales: [1], flip: false, combine: 'max' } });
  assert.equal(six.labels.length, width * height);
  assert.deepEqual(Array.from(six.labels), Array.from(argmaxRef(six.scores, L)));
  assert.ok(six.scores.some((v, i) => Math.abs(v - single.scores[i]) > 1e-6), 'the ensemble changes the scores');
  // One candidate: max and avg are the same.
  assert.deepEqual(Array.from(custom.scores), Array.from(single.scores));
  // Sliding window: tiles as large as the image give the whole-image scores; smaller tiles give scores of the same size, which differ.
  const whole = await segmenter.segment({ data: rgb, width, height }, { window: { height: 40, width: 40 } });
  assert.deepEqual(Array.from(whole.scores), Array.from(single.scores));
  const tiled = await segmenter.segment({ data: rgb, width, height }, { window: { height: 12, width: 12 } });
  assert.equal(tiled.scores.length, single.scores.length);
  assert.ok(tiled.scores.some((v, i) => Math.abs(v - single.scores[i]) > 1e-6), 'tiles see less context than the whole image');
  segmenter.dispose();
});

test('bad image sizes and data lengths are clear errors', async () => {
  const segmenter = await load(bare, { backend: 'cpu' });
  const data = new Uint8Array(4 * 4 * 3);
  await assert.rejects(segmenter.segment({ data, width: 0, height: 4 }), /image size must be positive integers, got 0×4/);
  await assert.rejects(segmenter.segment({ data, width: 4.5, height: 4 }), /positive integers/);
  await assert.rejects(segmenter.segment({ data, width: 5, height: 4 }), /60 \(RGB\) or 80 \(RGBA\)/);
  segmenter.dispose();
});

test('load of a folder without a model names the missing file', async () => {
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  await assert.rejects(load(empty, { backend: 'cpu' }), (err: Error) => err.message.includes(path.join(empty, 'model.json')));
});

test('segment: stored CRF settings apply by default, crf option overrides them, learned combination uses stored weights', async () => {
  const config = modelPreset('bench-vgg', {
    numClasses: L,
    backbone: { width: 0.0625 },
    denseHead: { channels: 8, dilation: 2 },
    clsHead: { hidden: 8, poolSize: 2 },
  });
  const model = buildSegmentor(config, 4);
  const dir = path.join(tmp, 'with-settings');
  const crf = { w: 3, lambda: 0.5, r: 2, eps: 10, T: 3, subsample: 1 };
  const rng = new Rng(5);
  const weights = Array.from({ length: 6 * L }, () => rng.uniform(0, 0.4));
  await saveWeights(dir, model, { crf, combineWeights: { scales: [1.2, 1, 0.8], flip: true, numClasses: L, weights } });
  model.dispose();
  const segmenter = await load(dir, { backend: 'cpu', threads: 2 });
  assert.deepEqual(segmenter.stored.crf, crf);
  const [width, height] = [17, 14];
  const rgb = randomRgb(rng, width * height);
  const input = { data: rgb, width, height };
  const byDefault = await segmenter.segment(input);
  const off = await segmenter.segment(input, { crf: false });
  const stronger = await segmenter.segment(input, { crf: { w: 8 } });
  assert.deepEqual(Array.from(off.scores), Array.from(off.unary), 'no CRF: scores are the unary');
  assert.deepEqual(Array.from(byDefault.unary), Array.from(off.unary));
  const ref = runGuidanceCrf(
    { image: rgb, unary: off.unary, height, width, numClasses: L, logPresence: Array.from(off.globalScores!, (g) => -Math.log1p(Math.exp(-g))) },
    crf,
  );
  const err = byDefault.scores.reduce((m, v, i) => Math.max(m, Math.abs(v - ref.scores[i])), 0);
  assert.ok(err < 1e-4, `stored CRF applied by default: max error ${err}`);
  const strongRef = runGuidanceCrf({ image: rgb, unary: off.unary, height, width, numClasses: L, logPresence: Array.from(off.globalScores!, (g) => -Math.log1p(Math.exp(-g))) }, { ...crf, w: 8 });
  assert.ok(stronger.scores.every((v, i) => Math.abs(v - strongRef.scores[i]) < 1e-4), 'crf option over the stored settings');
  assert.deepEqual(Array.from(byDefault.labels), Array.from(argmaxRef(byDefault.scores, L)));

  const learned = await segmenter.segment(input, { ensemble: { combine: 'learned' }, crf: false });
  const six = await bareSixCandidates(dir, input);
  const N = 6;
  const expected = new Float32Array(width * height * L);
  for (let k = 0; k < N; k++) {
    for (let i = 0; i < width * height; i++) {
      for (let l = 0; l < L; l++) expected[i * L + l] += weights[k * L + l] * six[k][i * L + l];
    }
  }
  assert.ok(learned.scores.every((v, i) => Math.abs(v - expected[i]) < 1e-4), 'learned combination of the 6 candidates');
  await assert.rejects(segmenter.segment(input, { ensemble: { scales: [1], combine: 'learned' } }), /fitted for scales \[1.2, 1, 0.8\] with flip/);
  segmenter.dispose();
});

/** Unary of each of the 6 candidates alone (one-scale ensembles), to combine by hand. */
async function bareSixCandidates(dir: string, input: { data: Uint8Array; width: number; height: number }): Promise<Float32Array[]> {
  const segmenter = await load(dir, { backend: 'cpu', threads: 1 });
  const out: Float32Array[] = [];
  for (const scale of [1.2, 1, 0.8]) {
    const plain = await segmenter.segment(input, { ensemble: { scales: [scale] }, crf: false });
    // A one-scale ensemble with flip averages the plain and flipped candidates: flipped = 2·avg − plain.
    const both = await segmenter.segment(input, { ensemble: { scales: [scale], flip: true }, crf: false });
    out.push(plain.unary, both.unary.map((v, i) => 2 * v - plain.unary[i]));
  }
  segmenter.dispose();
  return out;
}
