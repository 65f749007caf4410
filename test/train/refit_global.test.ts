import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { buildDataset } from '../../src/data/registry';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { GuidedSegmentor } from '../../src/model/segmentor';
import { presenceTargets } from '../../src/train/loss';
import { collectRefitViews, refitGlobalHead, refitLosses, type RefitOptions } from '../../src/train/refit_global';
import { maxAbsDiff } from '../model/helpers';

before(async () => {
  await initBackend('cpu');
});

const dataset = buildDataset(
  { type: 'context', trainSplit: 'train', valSplit: 'val', context: { seed: 3, trainSize: 3, valSize: 2, height: 20, width: 28, noise: 10 } },
  'train',
);
const L = dataset.classes.length;

function tinyModel(variant: 'joint' | 'baseline' = 'joint'): GuidedSegmentor {
  return buildSegmentor(
    modelPreset('bench-vgg', { variant, numClasses: L, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }),
    7,
  ) as GuidedSegmentor;
}

const OPTS: RefitOptions = { epochs: 8, batchSize: 2, lr: 0.05, lrPower: 0.9, momentum: 0.9, weightDecay: 0, clsLossWeight: 1, seed: 1 };

test('the global head splits into summarize and classify: classify(summarize(F)) is forward', () => {
  const model = tinyModel();
  const x = tf.randomUniform([2, 20, 28, 3], 0, 255) as tf.Tensor4D;
  const features = model.features(x, { training: false });
  const whole = model.clsHead!.forward(features, { training: false });
  const split = model.clsHead!.classify(model.clsHead!.summarize(features), { training: false });
  const out = model.forward(x, { training: false });
  assert.equal(maxAbsDiff(whole.dataSync(), split.dataSync()), 0);
  assert.equal(maxAbsDiff(out.global!.dataSync(), whole.dataSync()), 0);
  tf.dispose([x, features, whole, split, out.dense, out.global!]);
  model.dispose();
});

test('collectRefitViews: one view per scale and flip; D and g as the network gives them; labels under the feature centres', async () => {
  const model = tinyModel();
  const views = await collectRefitViews(model, dataset, { scales: [1, 0.5], flip: true, limit: 2 });
  assert.equal(views.length, 2 * 2 * 2);
  const s = model.outputStride;
  for (let i = 0; i < 2; i++) {
    const sample = await dataset.get(i);
    const { height: H, width: W } = sample;
    const image = tf.tensor4d(Float32Array.from(sample.image), [1, H, W, 3]);
    const [plain, mirrored] = [views[4 * i], views[4 * i + 1]];
    for (const [view, input] of [
      [plain, image],
      [mirrored, tf.reverse(image, 2)],
    ] as const) {
      const out = model.forward(input as tf.Tensor4D, { training: false });
      assert.deepEqual([view.height, view.width], out.dense.shape.slice(1, 3));
      assert.ok(maxAbsDiff(view.dense, out.dense.dataSync()) < 1e-5);
      const g = model.clsHead!.classify(tf.tensor2d(view.summary, [1, view.summary.length]), { training: false });
      assert.ok(maxAbsDiff(g.dataSync(), out.global!.dataSync()) < 1e-5);
      tf.dispose([out.dense, out.global!, g]);
    }
    for (let y = 0; y < plain.height; y++) {
      for (let x = 0; x < plain.width; x++) {
        const sy = Math.min(H - 1, s * y);
        const sx = Math.min(W - 1, s * x);
        assert.equal(plain.labels[y * plain.width + x], sample.label[sy * W + sx], `label at (${y}, ${x})`);
        assert.equal(mirrored.labels[y * mirrored.width + x], sample.label[sy * W + (W - 1 - sx)], `mirrored label at (${y}, ${x})`);
      }
    }
    // Presence is the whole image's, at every scale.
    for (const v of views.slice(4 * i, 4 * i + 4)) assert.deepEqual(v.presence, presenceTargets(sample.label, 1, L));
    tf.dispose(image);
  }
  model.dispose();
});

test('refitGlobalHead lowers the joint loss, changes only clsNet and keeps no tensors', async () => {
  const model = tinyModel();
  const views = await collectRefitViews(model, dataset, { scales: [1], flip: true });
  const before = new Map(model.namedVariables().map(([n, v]) => [n, v.dataSync().slice()]));
  const tensors = tf.memory().numTensors;
  const { initial, final } = refitGlobalHead(model, views, OPTS);
  assert.equal(tf.memory().numTensors, tensors);
  assert.ok(final.total < initial.total, `loss ${initial.total} -> ${final.total}`);
  assert.ok(final.globalSpread > 0.01, `g still depends on the view: spread ${final.globalSpread}`);
  assert.deepEqual(refitLosses(model, views, OPTS), final);
  for (const [name, variable] of model.namedVariables()) {
    const changed = maxAbsDiff(variable.dataSync(), before.get(name)!) > 0;
    if (!name.startsWith('clsHead.')) assert.equal(changed, false, `${name} must stay frozen`);
  }
  assert.ok(model.namedVariables().some(([n, v]) => n.startsWith('clsHead.') && maxAbsDiff(v.dataSync(), before.get(n)!) > 0));
  model.dispose();
});

test('refit refuses a baseline model, an empty split and bad settings, by name', async () => {
  const baseline = tinyModel('baseline');
  await assert.rejects(collectRefitViews(baseline, dataset, { scales: [1], flip: false }), /no global branch/);
  assert.throws(() => refitGlobalHead(baseline, [], OPTS), /no global branch/);
  baseline.dispose();
  const model = tinyModel();
  await assert.rejects(collectRefitViews(model, dataset, { scales: [1], flip: false, limit: 0 }), /no images/);
  assert.throws(() => refitGlobalHead(model, [], OPTS), /no views/);
  const views = await collectRefitViews(model, dataset, { scales: [1], flip: false, limit: 1 });
  assert.throws(() => refitGlobalHead(model, views, { ...OPTS, epochs: 0 }), /epochs/);
  assert.throws(() => refitGlobalHead(model, views, { ...OPTS, lr: 1e30 }), /lower the learning rate/);
  model.dispose();
});

test('a refit that kills every hidden unit (g the same for every view) is an error, not a model', async () => {
  const model = tinyModel();
  const views = await collectRefitViews(model, dataset, { scales: [1], flip: true });
  assert.ok(refitLosses(model, views, OPTS).globalSpread > 0, 'g depends on the image before');
  // At this rate the first steps drive every fc1 unit below zero for all views (measured: spread 6.3e-4 → 0).
  assert.throws(() => refitGlobalHead(model, views, { ...OPTS, lr: 0.5 }), /made g the same for every view.*learning rate 0.5 is too high/);
  model.dispose();
});
