import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchCrf, straightforwardGuidanceCrf, syntheticCrfInput } from '../../src/bench/crf_bench';
import { runGuidanceCrf } from '../../src/crf/guidance_crf';
import { prepareGuide } from '../../src/crf/guided_filter';
import { relativeError } from '../crf/reference';

test('benchCrf returns one row per (threads, subsample, kernel) plus the guide, with positive times (smoke test, tiny image)', async () => {
  const rows = await benchCrf({ height: 24, width: 32, numClasses: 3, T: 2, r: 2, runs: 5, warmup: 0, threads: [1, 2], subsamples: [1, 2] });
  // Per thread count: exact filter on wasm and js, fast filter on js.
  assert.equal(rows.length, 2 + 2 * 3);
  for (const r of rows) {
    assert.ok(r.medianMs > 0 && r.medianCpuMs >= 0, r.name);
    if (!r.name.startsWith('prepareGuide')) assert.ok(r.msPerIteration > 0, r.name);
  }
});

test('syntheticCrfInput is fixed by its seed', () => {
  const a = syntheticCrfInput(10, 12, 3, 5);
  const b = syntheticCrfInput(10, 12, 3, 5);
  assert.deepEqual(a.image, b.image);
  assert.deepEqual(a.unary, b.unary);
  assert.notDeepEqual(syntheticCrfInput(10, 12, 3, 6).image, a.image);
});

test('the straightforward comparison CRF computes the same scores as the fast one', () => {
  const input = syntheticCrfInput(30, 26, 4, Date.now() >>> 0);
  const guide = prepareGuide(input.image, 30, 26, 3, 10);
  const fast = runGuidanceCrf({ ...input, guide }, { r: 3, w: 2, T: 3 });
  const plain = straightforwardGuidanceCrf(guide, input.unary, 4, 2, 3);
  assert.ok(relativeError(plain, fast.scores) < 1e-5);
});
