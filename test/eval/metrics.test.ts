import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix } from '../../src/eval/confusion';
import { computeMetrics, formatMetricsTable } from '../../src/eval/metrics';
import { Rng } from '../../src/util/rng';

/** Metrics straight from the pixel lists, without a confusion matrix. */
function bruteForce(pred: Uint8Array, label: Uint8Array, L: number) {
  const ious: number[] = [];
  const accs: number[] = [];
  let correct = 0;
  let total = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i] === 255) continue;
    total++;
    if (pred[i] === label[i]) correct++;
  }
  for (let c = 0; c < L; c++) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < label.length; i++) {
      if (label[i] === 255) continue;
      if (pred[i] === c && label[i] === c) tp++;
      else if (pred[i] === c) fp++;
      else if (label[i] === c) fn++;
    }
    ious.push(tp + fp + fn > 0 ? tp / (tp + fp + fn) : NaN);
    accs.push(tp + fn > 0 ? tp / (tp + fn) : NaN);
  }
  const nanMean = (v: number[]) => {
    const k = v.filter((x) => !Number.isNaN(x));
    return k.reduce((a, b) => a + b, 0) / k.length;
  };
  return { ious, accs, mIoU: nanMean(ious), mAcc: nanMean(accs), pAcc: correct / total };
}

test('metrics match a brute-force count on random maps (with absent classes)', () => {
  const rng = new Rng(Date.now() >>> 0);
  for (let trial = 0; trial < 5; trial++) {
    const L = 3 + rng.int(6);
    const n = 400;
    const pred = new Uint8Array(n);
    const label = new Uint8Array(n);
    // Class L-1 never appears anywhere; class L-2 only in predictions.
    for (let i = 0; i < n; i++) {
      pred[i] = rng.int(L - 1);
      label[i] = rng.next() < 0.15 ? 255 : rng.int(L - 2);
    }
    const cm = new ConfusionMatrix(L);
    cm.update(pred, label);
    const names = Array.from({ length: L }, (_, c) => `c${c}`);
    const m = computeMetrics(cm, names);
    const ref = bruteForce(pred, label, L);
    for (let c = 0; c < L; c++) {
      if (Number.isNaN(ref.ious[c])) assert.ok(Number.isNaN(m.perClass[c].iou));
      else assert.ok(Math.abs(m.perClass[c].iou - ref.ious[c]) < 1e-12);
      if (Number.isNaN(ref.accs[c])) assert.ok(Number.isNaN(m.perClass[c].accuracy));
      else assert.ok(Math.abs(m.perClass[c].accuracy - ref.accs[c]) < 1e-12);
    }
    assert.ok(Number.isNaN(m.perClass[L - 1].iou));
    assert.equal(m.perClass[L - 2].iou, 0);
    assert.ok(Math.abs(m.mIoU - ref.mIoU) < 1e-12);
    assert.ok(Math.abs(m.meanClassAccuracy - ref.mAcc) < 1e-12);
    assert.ok(Math.abs(m.pixelAccuracy - ref.pAcc) < 1e-12);
  }
});

test('perfect prediction gives 1 everywhere; table shows percentages and n/a', () => {
  const cm = new ConfusionMatrix(3);
  const label = Uint8Array.from([0, 0, 1, 255]);
  cm.update(Uint8Array.from([0, 0, 1, 2]), label);
  const m = computeMetrics(cm, ['sky', 'road', 'car']);
  assert.equal(m.mIoU, 1);
  assert.equal(m.pixelAccuracy, 1);
  assert.equal(m.perClass[0].pixels, 2);
  const table = formatMetricsTable(m);
  assert.match(table, /\| sky \| 100\.00 \| 100\.00 \| 2 \|/);
  assert.match(table, /\| car \| n\/a \| n\/a \| 0 \|/);
  assert.throws(() => computeMetrics(cm, ['a']), /1 class names/);
});
