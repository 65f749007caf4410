import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { compareTrainStep, stepBatchSizes } from '../../src/bench/train_step_bench';
import { initBackend } from '../../src/engine/backend';
import { modelPreset } from '../../src/model/presets';

const tinyModel = () =>
  modelPreset('bench-resnet', {
    numClasses: 4,
    backbone: { width: 0.0625 },
    denseHead: { channels: 8 },
    clsHead: { hidden: 8, poolSize: 2 },
  });

test('compareTrainStep times every worker count in each round and reports per-round speed-ups; no tensor leak', async () => {
  await initBackend('wasm');
  const model = tinyModel();
  const before = tf.memory().numTensors;
  const { results, speedUps } = await compareTrainStep({ model, runs: 3, warmup: 1, camvidRoot: '' }, [1, 2]);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(
    results.map((r) => r.workload),
    ['train-step', 'train-step'],
  );
  assert.match(results[0].detail!, /1 thread/);
  assert.match(results[1].detail!, /2 worker threads.*per worker \(median ms\): read [\d.]+, compute [\d.]+, bnWait/);
  for (const r of results) assert.ok(r.medianMs > 0 && r.gflops > 0);
  assert.equal(speedUps.length, 1);
  const s = speedUps[0];
  assert.equal(s.workers, 2);
  assert.equal(s.baseWorkers, 1);
  assert.equal(s.perRound.length, 3);
  assert.ok(Math.abs(s.ofMedians - results[0].medianMs / results[1].medianMs) < 1e-12);
});

test('compareTrainStep with computeOnly: worker threads compute gradients only; the thread still runs the whole step', async () => {
  await initBackend('wasm');
  const before = tf.memory().numTensors;
  const { results, speedUps } = await compareTrainStep({ model: tinyModel(), runs: 2, warmup: 1, camvidRoot: '' }, [1, 2], true);
  assert.equal(tf.memory().numTensors, before);
  assert.match(results[0].detail!, /1 thread, [\d.]+ images\/s/);
  assert.match(results[1].detail!, /2 worker threads computing their shard's gradients only/);
  assert.equal(speedUps[0].perRound.length, 2);
});

test('stepBatchSizes: the same batch for every count, or a fixed batch per worker', () => {
  assert.deepEqual(stepBatchSizes([1, 2, 4], 2), [2, 2, 2]);
  assert.deepEqual(stepBatchSizes([1, 2, 4], 2, 3), [3, 6, 12]);
});

test('compareTrainStep with perWorker: each count steps perWorker × workers images; speed-ups compare images/s', async () => {
  await initBackend('wasm');
  const before = tf.memory().numTensors;
  const { results, speedUps } = await compareTrainStep({ model: tinyModel(), runs: 2, warmup: 1, camvidRoot: '', perWorker: 1 }, [1, 2]);
  assert.equal(tf.memory().numTensors, before);
  assert.match(results[0].detail!, /^batch 1×256², 1 thread/);
  assert.match(results[1].detail!, /^batch 2×256², 2 worker threads/);
  // Twice the images per step: the FLOPs double, and images/s is what the speed-up compares.
  assert.ok(Math.abs(results[1].flops / results[0].flops - 2) < 1e-9);
  const imagesPerSecond = (images: number, ms: number) => images / ms;
  const expected = imagesPerSecond(2, results[1].medianMs) / imagesPerSecond(1, results[0].medianMs);
  assert.ok(Math.abs(speedUps[0].ofMedians - expected) < 1e-12, `${speedUps[0].ofMedians} vs ${expected}`);
  assert.ok(Math.abs(speedUps[0].ofMedians - results[0].medianMs / results[1].medianMs) > 1e-6, 'not the bare ratio of step times');
});
