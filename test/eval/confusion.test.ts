import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix } from '../../src/eval/confusion';
import { Rng } from '../../src/util/rng';

function randomMaps(rng: Rng, n: number, L: number, ignoreFrac: number) {
  const pred = new Uint8Array(n);
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    pred[i] = rng.int(L);
    label[i] = rng.next() < ignoreFrac ? 255 : rng.int(L);
  }
  return { pred, label };
}

test('update counts every (label, pred) pair like a brute-force count, ignoring 255', () => {
  const rng = new Rng(Date.now() >>> 0);
  const L = 2 + rng.int(8);
  const { pred, label } = randomMaps(rng, 500, L, 0.2);
  const cm = new ConfusionMatrix(L);
  cm.update(pred, label);
  for (let t = 0; t < L; t++) {
    for (let p = 0; p < L; p++) {
      let n = 0;
      for (let i = 0; i < pred.length; i++) if (label[i] === t && pred[i] === p) n++;
      assert.equal(cm.get(t, p), n, `cell (${t}, ${p})`);
    }
  }
  let kept = 0;
  for (const v of label) if (v !== 255) kept++;
  assert.equal(cm.total(), kept);
});

test('custom ignore index and Int32Array predictions', () => {
  const cm = new ConfusionMatrix(3);
  cm.update(Int32Array.from([0, 1, 2, 2]), Uint8Array.from([0, 7, 2, 1]), 7);
  assert.equal(cm.total(), 3);
  assert.equal(cm.get(1, 2), 1);
});

test('invalid label, invalid prediction and size mismatch throw with the value', () => {
  const cm = new ConfusionMatrix(3);
  assert.throws(() => cm.update(Uint8Array.from([0, 1]), Uint8Array.from([0, 3])), /label value 3/);
  assert.throws(() => cm.update(Uint8Array.from([0, 5]), Uint8Array.from([0, 1])), /predicted value 5/);
  assert.throws(() => cm.update(Uint8Array.from([0]), Uint8Array.from([0, 1])), /1 pixels/);
});

test('merge equals updating one matrix with both batches; JSON round-trips', () => {
  const rng = new Rng(Date.now() >>> 0);
  const L = 5;
  const a = randomMaps(rng, 300, L, 0.1);
  const b = randomMaps(rng, 200, L, 0.1);
  const one = new ConfusionMatrix(L);
  one.update(a.pred, a.label);
  one.update(b.pred, b.label);
  const m1 = new ConfusionMatrix(L);
  m1.update(a.pred, a.label);
  const m2 = new ConfusionMatrix(L);
  m2.update(b.pred, b.label);
  m1.merge(m2);
  assert.deepEqual(Array.from(m1.counts), Array.from(one.counts));
  const back = ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(one)));
  assert.deepEqual(Array.from(back.counts), Array.from(one.counts));
  assert.throws(() => ConfusionMatrix.fromJSON({ numClasses: 2, counts: [1, 2, 3] }), /4 counts/);
  assert.throws(() => one.merge(new ConfusionMatrix(3)), /3 classes/);
});
