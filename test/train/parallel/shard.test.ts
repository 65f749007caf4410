import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { jointLoss } from '../../../src/train/loss';
import { shardBatch, sliceBatch } from '../../../src/train/parallel/shard';
import { Rng } from '../../../src/util/rng';

/** A random batch whose samples have very different numbers of ignored pixels. */
function randomBatch(rng: Rng, batchSize: number, height: number, width: number, classes: number) {
  const pixels = height * width;
  const labels = new Uint8Array(batchSize * pixels);
  for (let b = 0; b < batchSize; b++) {
    const ignoreRate = b / batchSize;
    for (let p = 0; p < pixels; p++) labels[b * pixels + p] = rng.next() < ignoreRate ? 255 : rng.int(classes);
  }
  const images = Float32Array.from({ length: batchSize * pixels * 3 }, () => rng.uniform(0, 255));
  return { batchSize, height, width, images, labels };
}

for (const classWeights of [undefined, new Float32Array([0.2, 3.5, 1.1])]) test(`shards cover the batch; weighted shard losses sum to the joint loss of the whole batch${classWeights ? ' (class-weighted CE)' : ''}`, async () => {
  await initBackend('cpu');
  const rng = new Rng(21);
  const [batchSize, h, w, L, beta] = [5, 4, 6, 3, 0.6];
  const batch = randomBatch(rng, batchSize, h, w, L);
  const unary = Float32Array.from({ length: batchSize * h * w * L }, () => rng.normal());
  const global = Float32Array.from({ length: batchSize * L }, () => rng.normal());
  const whole = tf.tidy(() => {
    const t = jointLoss(tf.tensor4d(unary, [batchSize, h, w, L]), tf.tensor2d(global, [batchSize, L]), batch.labels, beta, classWeights);
    return [t.total.dataSync()[0], t.ce.dataSync()[0], t.cls!.dataSync()[0]];
  });
  for (const workers of [1, 2, 3, 5]) {
    const shards = shardBatch(batch, workers, classWeights);
    assert.equal(shards.reduce((n, s) => n + s.count, 0), batchSize);
    let [total, ce, cls] = [0, 0, 0];
    for (const s of shards) {
      const part = sliceBatch(batch, s);
      tf.tidy(() => {
        const u = tf.tensor4d(unary.slice(s.offset * h * w * L, (s.offset + s.count) * h * w * L), [s.count, h, w, L]);
        const g = tf.tensor2d(global.slice(s.offset * L, (s.offset + s.count) * L), [s.count, L]);
        const t = jointLoss(u, g, part.labels, beta, classWeights);
        ce += s.ceWeight * t.ce.dataSync()[0];
        cls += s.sampleShare * t.cls!.dataSync()[0];
        total += s.ceWeight * t.ce.dataSync()[0] + beta * s.sampleShare * t.cls!.dataSync()[0];
      });
    }
    for (const [got, want, name] of [[total, whole[0], 'total'], [ce, whole[1], 'ce'], [cls, whole[2], 'cls']] as const) {
      assert.ok(Math.abs(got - want) <= 1e-5 * Math.abs(want), `${workers} workers, ${name}: ${got} vs ${want}`);
    }
  }
});

test('shardBatch refuses more workers than samples, naming the settings', () => {
  const batch = randomBatch(new Rng(1), 2, 2, 2, 2);
  assert.throws(() => shardBatch(batch, 3), /train\.batchSize \(2\) must be at least train\.workers \(3\)/);
});
