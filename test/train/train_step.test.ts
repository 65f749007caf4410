import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { MomentumSgd } from '../../src/train/sgd';
import { computeGradients, trainStep, type Batch } from '../../src/train/train_step';
import { Rng } from '../../src/util/rng';

const L = 5;

function tinyModel(variant: 'joint' | 'baseline', dropout = 0.5) {
  return buildSegmentor(
    modelPreset('bench-vgg', {
      variant,
      numClasses: L,
      backbone: { width: 0.0625 },
      denseHead: { channels: 8, dilation: 2, dropout },
      clsHead: { hidden: 8, poolSize: 2, dropout },
    }),
    1,
  );
}

/** A batch whose labels follow the image (left half / right half colours), some pixels ignored. */
function makeBatch(seed: number, batchSize = 2, height = 16, width = 16): Batch {
  const rng = new Rng(seed);
  const images = new Float32Array(batchSize * height * width * 3);
  const labels = new Uint8Array(batchSize * height * width);
  for (let b = 0; b < batchSize; b++) {
    const left = rng.int(L);
    const right = rng.int(L);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = (b * height + y) * width + x;
        const c = x < width / 2 ? left : right;
        labels[p] = rng.next() < 0.05 ? 255 : c;
        for (let k = 0; k < 3; k++) images[3 * p + k] = 40 * c + 30 * k + rng.uniform(-10, 10);
      }
    }
  }
  return { batchSize, height, width, images, labels };
}

for (const variant of ['joint', 'baseline'] as const) {
  test(`trainStep (${variant}): tensor count stays flat over several steps`, async () => {
    await initBackend('cpu');
    const model = tinyModel(variant);
    const optimizer = new MomentumSgd({ momentum: 0.9, weightDecay: 5e-4 });
    const rng = new Rng(2);
    const batch = makeBatch(3);
    // The first step creates the momentum buffers.
    const first = trainStep(model, optimizer, batch, { lr: 1e-3, clsLossWeight: 1, rng });
    assert.equal(first.cls === undefined, variant === 'baseline', 'cls term present only for joint');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const losses = trainStep(model, optimizer, batch, { lr: 1e-3, clsLossWeight: 1, rng });
      assert.ok(Number.isFinite(losses.total));
      assert.equal(tf.memory().numTensors, before, `tensors after step ${i + 2}`);
    }
    const { grads } = computeGradients(model, batch, { clsLossWeight: 1, rng });
    assert.deepEqual(Object.keys(grads).sort(), model.namedTrainableVariables().map(([n]) => n).sort());
    tf.dispose(Object.values(grads));
    assert.equal(tf.memory().numTensors, before, 'computeGradients leaves only the gradients');
    optimizer.dispose();
    model.dispose();
  });
}

test('trainStep: the joint loss decreases on a fixed batch; total = ce + β·cls', async () => {
  await initBackend('cpu');
  const model = tinyModel('joint', 0);
  const optimizer = new MomentumSgd({ momentum: 0.9, weightDecay: 0 });
  const batch = makeBatch(5);
  const beta = 0.5;
  const totals: number[] = [];
  for (let i = 0; i < 10; i++) {
    const losses = trainStep(model, optimizer, batch, { lr: 0.02, clsLossWeight: beta, rng: new Rng(i) });
    assert.ok(Math.abs(losses.total - (losses.ce + beta * losses.cls!)) < 1e-5 * Math.max(1, losses.total));
    totals.push(losses.total);
  }
  const lastThree = totals.slice(-3).reduce((a, b) => a + b, 0) / 3;
  assert.ok(lastThree < 0.85 * totals[0], `loss went ${totals[0].toFixed(4)} → ${lastThree.toFixed(4)}: ${totals.map((t) => t.toFixed(3))}`);
  optimizer.dispose();
  model.dispose();
});

test('trainStep: a non-finite loss throws and leaves the weights untouched', async () => {
  await initBackend('cpu');
  const model = tinyModel('joint');
  const optimizer = new MomentumSgd({ momentum: 0.9, weightDecay: 0 });
  const batch = makeBatch(7);
  batch.images[0] = NaN;
  const before = model.namedTrainableVariables().map(([, v]) => Array.from(v.dataSync()));
  const count = tf.memory().numTensors;
  assert.throws(() => trainStep(model, optimizer, batch, { lr: 0.01, clsLossWeight: 1, rng: new Rng(0) }), /diverged/);
  assert.equal(tf.memory().numTensors, count, 'no tensors left behind by the failed step');
  model.namedTrainableVariables().forEach(([name, v], i) => assert.deepEqual(Array.from(v.dataSync()), before[i], name));
  optimizer.dispose();
  model.dispose();
});
