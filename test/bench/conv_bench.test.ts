/** The convolution benchmark runs and reports consistent rows (tiny case, no timing asserted). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { benchConv, convFlops, formatBenchTable } from '../../src/bench/conv_bench';
import { onBackend } from '../engine/helpers';

test('benchConv reports forward and both gradients per case, and leaves no tensors', async () => {
  await onBackend('wasm', () => tf.zeros([1]));
  const before = tf.memory().numTensors;
  const cases = [{ name: 'tiny', input: [1, 8, 8, 2] as [number, number, number, number], kernel: 3, outChannels: 4, stride: 2 }];
  const rows = await benchConv({ cases, runs: 5, warmup: 0, includeStock: true });
  assert.deepEqual(
    rows.map((r) => r.name),
    ['tiny forward', 'tiny backprop-input', 'tiny backprop-filter', 'tiny backprop-input (stock)'],
  );
  for (const r of rows) {
    assert.ok(r.medianMs > 0 && Number.isFinite(r.gflops), r.name);
    assert.ok(Math.abs(r.gflops - convFlops(cases[0]) / r.medianMs / 1e6) < 1e-9, r.name);
  }
  assert.match(formatBenchTable(rows), /tiny backprop-filter/);
  assert.equal(tf.memory().numTensors, before);
});
