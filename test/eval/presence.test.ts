/** Presence accuracy of g: counts worked out by hand on three images. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPresenceTable, PresenceAccumulator } from '../../src/eval/presence';

test('presence accuracy, precision and recall per class against ground-truth presence', () => {
  const acc = new PresenceAccumulator(['a', 'b']);
  acc.add([2, -1], [true, false]); // a: TP, b: TN
  acc.add([1, 3], [false, true]); // a: FP, b: TP
  acc.add([-2, -3], [true, true]); // a: FN, b: FN
  const r = acc.result();
  assert.deepEqual(r.perClass[0], { name: 'a', present: 2, accuracy: 1 / 3, precision: 1 / 2, recall: 1 / 2 });
  assert.deepEqual(r.perClass[1], { name: 'b', present: 2, accuracy: 2 / 3, precision: 1, recall: 1 / 2 });
  assert.equal(r.meanAccuracy, 0.5);
  assert.match(formatPresenceTable(r), /\| a \| 2 \| 33\.3 \| 50\.0 \| 50\.0 \|/);
  assert.throws(() => acc.add([1], [true, false]), /1 scores and 2 flags for 2 classes/);
});
