import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { parseConfig, type Config } from '../../src/config/schema';
import { initBackend } from '../../src/engine/backend';
import { buildDataset } from '../../src/data/registry';
import { evaluateDataset } from '../../src/eval/evaluate';
import { loadCheckpoint } from '../../src/model/serialization';
import { openModelNetwork } from '../../src/pipeline/runtime';
import { scorePredictor } from '../../src/pipeline/predictor';
import { bestModelDir } from '../../src/train/run_folder';
import { train } from '../../src/train/trainer';

let tmp = '';
before(async () => {
  await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-periodic-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function config(trainOverrides: Record<string, unknown> = {}): Config {
  return parseConfig({
    model: { name: 'tiny', numClasses: 8, backbone: { type: 'vgg16', width: 0.0625, outputStride: 8 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } },
    data: { type: 'context', context: { trainSize: 6, valSize: 3, height: 24, width: 24 } },
    train: { iterations: 5, batchSize: 2, cropSize: [16, 16], baseLr: 0.05, checkpointInterval: 2, logInterval: 100, seed: 1, evalInterval: 2, ...trainOverrides },
    backend: 'cpu',
  });
}

interface ValRecord {
  iteration: number;
  valMIoU: number;
  valImages: number;
}

function validations(workDir: string): ValRecord[] {
  return fs
    .readFileSync(path.join(workDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('valMIoU'))
    .map((l) => JSON.parse(l) as ValRecord);
}

test('train.evalInterval validates every interval and at the end, logs valMIoU, keeps the best model in best/', async () => {
  const workDir = path.join(tmp, 'run');
  const cfg = config();
  const before = tf.memory().numTensors;
  const r = await train(cfg, { workDir, interactive: false });
  r.model.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor left by training with validation');
  const vals = validations(workDir);
  assert.deepEqual(vals.map((v) => v.iteration), [2, 4, 5]);
  for (const v of vals) assert.ok(v.valMIoU >= 0 && v.valMIoU <= 1 && v.valImages === 3);
  // best/ holds the model of the best validation, and its figure is what evaluating it gives.
  const best = vals.reduce((a, b) => (b.valMIoU > a.valMIoU ? b : a));
  const { model, metadata } = await loadCheckpoint(bestModelDir(workDir));
  try {
    assert.equal(metadata?.iteration, best.iteration);
    const val = buildDataset(cfg.data, cfg.data.valSplit);
    const network = await openModelNetwork(model);
    const again = await evaluateDataset(val, scorePredictor(network), { numClasses: 8 });
    await network.release();
    assert.ok(Math.abs(again.metrics.mIoU - best.valMIoU) < 1e-6, `best/ evaluates to ${again.metrics.mIoU}, logged ${best.valMIoU}`);
  } finally {
    model.dispose();
  }
});

test('an interrupted run with validation resumes with the same validations, and evalLimit limits the images', async () => {
  const full = path.join(tmp, 'full');
  const cut = path.join(tmp, 'cut');
  const cfg = config({ evalLimit: 2, iterations: 6 });
  (await train(cfg, { workDir: full, interactive: false })).model.dispose();
  const first = await train(cfg, { workDir: cut, interactive: false, stopAfter: 3 });
  first.model.dispose();
  assert.equal(first.interrupted, true);
  (await train(cfg, { workDir: cut, resume: true, interactive: false })).model.dispose();
  const a = validations(full);
  const b = validations(cut);
  assert.deepEqual(b.map((v) => v.iteration), [2, 4, 6]);
  assert.ok(b.every((v) => v.valImages === 2));
  for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k].valMIoU - b[k].valMIoU) < 1e-6, `validation ${k}: ${a[k].valMIoU} vs ${b[k].valMIoU}`);
});

test('train.evalInterval with a val split that does not exist is refused before anything is written', async () => {
  const workDir = path.join(tmp, 'refused');
  const cfg = config();
  await assert.rejects(train({ ...cfg, data: { ...cfg.data, valSplit: 'nosuch' } }, { workDir, interactive: false }), /nosuch|split/);
  assert.equal(fs.existsSync(workDir), false);
});

test('train.evalInterval with a corrupt val image is refused before anything is written, naming the file', async () => {
  const root = path.join(tmp, 'camvid');
  fs.mkdirSync(root, { recursive: true });
  const rgb = Buffer.alloc(16 * 16 * 3, 90);
  for (const name of ['a', 'b']) {
    await sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(path.join(root, `${name}.png`));
    await sharp(Buffer.alloc(16 * 16, 3), { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(path.join(root, `${name}_L.png`));
  }
  fs.writeFileSync(path.join(root, 'b.png'), 'not a PNG');
  fs.writeFileSync(path.join(root, 'train.txt'), 'a.png a_L.png\n');
  fs.writeFileSync(path.join(root, 'val.txt'), 'a.png a_L.png\nb.png b_L.png\n');
  const cfg = config();
  const workDir = path.join(tmp, 'refused-corrupt');
  const camvid = { ...cfg, model: { ...cfg.model, numClasses: 11 }, data: { type: 'camvid', root, trainSplit: 'train', valSplit: 'val' } };
  await assert.rejects(train(camvid, { workDir, interactive: false }), /train\.evalInterval: camvid\/val: 1 of 2 samples cannot be used:\n  sample 1: .*b\.png/);
  assert.equal(fs.existsSync(workDir), false);
});
