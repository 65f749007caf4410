import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyGuidedFilter, prepareGuide } from '../../src/crf/guided_filter';
import { GuidedFilterWorkspace } from '../../src/crf/gf_kernel';
import { Rng } from '../../src/util/rng';
import { applyKernel, explicitKernel, randomImage, relativeError } from './reference';

test('guided filter equals the explicit dense kernel (float64 brute force)', () => {
  const rng = new Rng(Date.now() >>> 0);
  for (const [H, W, r, noise, eps] of [[7, 9, 1, 30, 10], [7, 9, 2, 30, 10], [9, 7, 2, 3, 10], [6, 8, 3, 60, 0.5], [7, 9, 1, 1, 100]]) {
    const img = randomImage(rng, H, W, noise);
    const C = 3;
    const p = new Float32Array(H * W * C).map(() => rng.next());
    const guide = prepareGuide(img, H, W, r, eps);
    const got = applyGuidedFilter(guide, p);
    const ref = applyKernel(explicitKernel(img, H, W, r, eps), p, H * W, C);
    const err = relativeError(got, ref);
    assert.ok(err < 1e-5, `${H}x${W} r=${r} noise=${noise} eps=${eps}: relative error ${err}`);
  }
});

test('guided filter of a constant map is that constant (exact and fast)', () => {
  const rng = new Rng(Date.now() >>> 0);
  const H = 23, W = 31;
  const img = randomImage(rng, H, W, 20);
  for (const subsample of [1, 2, 3]) {
    const guide = prepareGuide(img, H, W, 3, 10, { subsample });
    const c = rng.uniform(-2, 2);
    const out = applyGuidedFilter(guide, new Float32Array(H * W * 2).fill(c));
    for (const v of out) assert.ok(Math.abs(v - c) < 1e-5, `subsample ${subsample}: ${v} vs ${c}`);
  }
});

test('bands of rows and narrow strips give the same values as the whole image', () => {
  const rng = new Rng(Date.now() >>> 0);
  const H = 20, W = 23, C = 4;
  for (const r of [1, 3]) {
    const img = randomImage(rng, H, W, 25);
    const guide = prepareGuide(img, H, W, r, 10);
    const p = new Float32Array(H * W * C).map(() => rng.next());
    const full = new GuidedFilterWorkspace(guide, C, W);
    const ref = new Float64Array(H * W * C);
    full.filterRows(p, 0, H, (y, x0, x1, seg) => ref.set(seg.subarray(0, (x1 - x0) * C), (y * W + x0) * C));
    for (const stripWidth of [1, 2, 5, 8, 22]) {
      const ws = new GuidedFilterWorkspace(guide, C, stripWidth);
      for (const [y0, y1] of [[0, 5], [5, 13], [13, 20], [7, 8]]) {
        const seen = new Uint8Array(H * W);
        ws.filterRows(p, y0, y1, (y, x0, x1, seg) => {
          for (let k = 0; k < (x1 - x0) * C; k++) {
            const i = (y * W + x0) * C + k;
            assert.ok(Math.abs(seg[k] - ref[i]) < 1e-9, `r=${r} strip ${stripWidth} band ${y0}-${y1} row ${y} col ${x0 + Math.floor(k / C)}`);
          }
          seen.fill(1, y * W + x0, y * W + x1);
        });
        assert.equal(seen.reduce((a, b) => a + b, 0), (y1 - y0) * W, 'every pixel of the band is output once');
      }
    }
    // The whole-image workspace agrees with the explicit kernel too (checked above); compare it with the default one.
    assert.ok(relativeError(applyGuidedFilter(guide, p), ref) < 1e-6);
  }
});

test('fast guided filter approximates the exact one on a smooth image', () => {
  const rng = new Rng(Date.now() >>> 0);
  const H = 48, W = 40, C = 2;
  const img = new Uint8Array(H * W * 3);
  const phase = rng.uniform(0, 6);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    img[(y * W + x) * 3 + c] = Math.round(127 + 100 * Math.sin(phase + 0.05 * x + 0.07 * y + c));
  }
  const p = new Float32Array(H * W * C);
  for (let i = 0; i < H * W; i++) for (let c = 0; c < C; c++) p[i * C + c] = 0.5 + 0.4 * Math.sin(0.1 * (i % W) + c);
  const exact = applyGuidedFilter(prepareGuide(img, H, W, 4, 10), p);
  const fast = applyGuidedFilter(prepareGuide(img, H, W, 4, 10, { subsample: 2 }), p);
  let meanAbs = 0;
  for (let k = 0; k < p.length; k++) meanAbs += Math.abs(exact[k] - fast[k]) / p.length;
  assert.ok(meanAbs < 0.02, `mean |exact - fast| = ${meanAbs}`);
});

test('prepareGuide validates its inputs', () => {
  assert.throws(() => prepareGuide(new Uint8Array(10), 2, 2, 1, 10), /expected 2x2x3/);
  assert.throws(() => prepareGuide(new Uint8Array(12), 2, 2, 0, 10), /radius/);
  assert.throws(() => prepareGuide(new Uint8Array(12), 2, 2, 1, 0), /eps/);
});
