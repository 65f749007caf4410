import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import type { Segmentor } from '../../src/model/types';
import { Rng } from '../../src/util/rng';
import { randomArray, tinyConfig } from './helpers';

/** One plain SGD step on a joint loss (CE on the unary + BCE on g); returns the loss. */
function sgdStep(model: Segmentor, images: tf.Tensor4D, labels: tf.Tensor4D, present: tf.Tensor2D, rng: Rng): number {
  const vars = model.namedTrainableVariables().map(([, v]) => v);
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(images, { training: true, rng });
    const u = model.unary(out, images.shape[1], images.shape[2]);
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(u)), -1)));
    const bce = out.global ? tf.losses.sigmoidCrossEntropy(present, out.global) : tf.scalar(0);
    return tf.add(ce, bce) as tf.Scalar;
  }, vars);
  tf.tidy(() => {
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.01)));
  });
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

for (const preset of ['bench-vgg', 'bench-resnet'] as const) {
  test(`${preset} (tiny): gradient steps leak no tensors and replay exactly from the same seeds`, async () => {
    await initBackend('cpu');
    const rng = new Rng(21);
    const [b, h, w, L] = [2, 17, 21, 11];
    const images = tf.tensor4d(randomArray(rng, b * h * w * 3, 0, 255), [b, h, w, 3]);
    const labels = tf.reshape(tf.oneHot(tf.tensor1d(Array.from({ length: b * h * w }, () => rng.int(L)), "int32"), L), [b, h, w, L]) as tf.Tensor4D;
    const present = tf.tensor2d(Array.from({ length: b * L }, () => rng.int(2)), [b, L]);
    const losses: number[][] = [];
    for (let run = 0; run < 2; run++) {
      // Narrower than tinyConfig: the cpu backend's filter-gradient kernel is slow.
      const model = buildSegmentor(tinyConfig(preset, { backbone: { width: 0.0625 }, denseHead: { channels: 8 } }), 4);
      const stepRng = new Rng(99);
      // The first step may fill backend caches; the second must leave the tensor count as it found it.
      const runLosses = [sgdStep(model, images, labels, present, stepRng)];
      const before = tf.memory().numTensors;
      runLosses.push(sgdStep(model, images, labels, present, stepRng));
      assert.equal(tf.memory().numTensors, before, 'tensors after a step');
      losses.push(runLosses);
      assert.ok(runLosses.every(Number.isFinite));
      model.dispose();
    }
    assert.deepEqual(losses[0], losses[1]);
    tf.dispose([images, labels, present]);
  });
}
