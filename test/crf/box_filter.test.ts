import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockAverage, boxFilter } from '../../src/crf/box_filter';
import { Rng } from '../../src/util/rng';
import { bruteBox, relativeError } from './reference';

test('boxFilter equals explicit window means (clipped borders), several shapes and radii', () => {
  const rng = new Rng(Date.now() >>> 0);
  for (const [H, W, C, r] of [[7, 9, 1, 1], [7, 9, 3, 2], [5, 4, 2, 3], [1, 6, 2, 1], [12, 11, 4, 5]]) {
    const src = new Float32Array(H * W * C).map(() => rng.normal());
    const ref = bruteBox(src, H, W, C, r);
    assert.ok(relativeError(boxFilter(src, H, W, C, r), ref) < 1e-6, `${H}x${W}x${C} r=${r}`);
    const src64 = Float64Array.from(src);
    assert.ok(relativeError(boxFilter(src64, H, W, C, r), ref) < 1e-12, `float64 ${H}x${W}x${C} r=${r}`);
  }
});

test('boxFilter rejects wrong sizes', () => {
  assert.throws(() => boxFilter(new Float32Array(5), 2, 2, 1, 1), /expected 2x2x1/);
});

test('blockAverage averages the in-image pixels of each block', () => {
  const rng = new Rng(Date.now() >>> 0);
  const H = 7, W = 5, C = 2, s = 3;
  const src = new Float32Array(H * W * C).map(() => rng.normal());
  const out = blockAverage(src, H, W, C, s, new Float64Array(3 * 2 * C));
  for (let ly = 0; ly < 3; ly++) for (let lx = 0; lx < 2; lx++) for (let c = 0; c < C; c++) {
    let sum = 0, n = 0;
    for (let y = ly * s; y < Math.min(H, ly * s + s); y++) for (let x = lx * s; x < Math.min(W, lx * s + s); x++) {
      sum += src[(y * W + x) * C + c];
      n++;
    }
    assert.ok(Math.abs(out[(ly * 2 + lx) * C + c] - sum / n) < 1e-6);
  }
});
