import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePipeline, segmentChoices } from '../../src/pipeline/resolve';
import { PAPER_SCALES } from '../../src/ensemble/candidates';

const combineWeights = { scales: [2, 1.5, 1], flip: true, numClasses: 3, weights: Array.from({ length: 6 * 3 }, (_, i) => i / 18) };

test('segment options: ensemble true is the stored learned combination when there is one, else the paper six averaged', () => {
  const learned = resolvePipeline(segmentChoices({ ensemble: true }, { combineWeights }), { combineWeights }).ensemble;
  assert.deepEqual([learned.scales, learned.flip, learned.combine], [[2, 1.5, 1], true, 'learned']);
  assert.deepEqual(Array.from(learned.learnedWeights!), combineWeights.weights.map((w) => Math.fround(w)));
  const six = resolvePipeline(segmentChoices({ ensemble: true }, {}), {}).ensemble;
  assert.deepEqual([six.scales, six.flip, six.combine, six.learnedWeights], [[...PAPER_SCALES], true, 'avg', undefined]);
  // Default: one candidate at the stored test scale; explicit settings as given.
  assert.deepEqual(resolvePipeline(segmentChoices({}, { testScale: 2 }), { testScale: 2 }).ensemble, { scales: [2], flip: false, combine: 'avg' });
  assert.deepEqual(resolvePipeline(segmentChoices({ ensemble: { scales: [1, 0.5], combine: 'max' } }, {}), {}).ensemble, { scales: [1, 0.5], flip: false, combine: 'max' });
});

test('segment options: crf true/false/object over the stored settings, and the sliding window passes through', () => {
  const stored = { crf: { w: 8, lambda: 0, r: 2, eps: 10, T: 5, subsample: 1 } };
  assert.equal(resolvePipeline(segmentChoices({ crf: false }, stored), stored).crf, null);
  assert.deepEqual(resolvePipeline(segmentChoices({}, stored), stored).crf, stored.crf);
  assert.equal(resolvePipeline(segmentChoices({ crf: { w: 3 } }, stored), stored).crf!.w, 3);
  assert.equal(resolvePipeline(segmentChoices({}, {}), {}).crf, null);
  assert.deepEqual(resolvePipeline(segmentChoices({ window: { height: 512, width: 1024 } }, {}), {}).ensemble.window, { height: 512, width: 1024 });
});
