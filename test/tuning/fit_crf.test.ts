import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runGuidanceCrf } from '../../src/crf/guidance_crf';
import { resolveCrfSettings, type CrfSettings } from '../../src/crf/settings';
import { createCrfRunner, type CrfRunner } from '../../src/pipeline/crf_runner';
import { formatSearchTable, searchCrfSettings, type CrfSearchSpace } from '../../src/tuning/fit_crf';
import type { CrfFitSample } from '../../src/tuning/fit_data';
import { Rng } from '../../src/util/rng';

const L = 3;
const CLASSES = ['left', 'right', 'never'];
let runner: CrfRunner;

before(async () => {
  runner = await createCrfRunner(2);
});
after(async () => runner.close());

/**
 * Two-colour image, left half class 0, right half class 1, class 2 absent.
 * Unary: +1 for the true class, strong wrong "salt" on 20 % of the pixels, and
 * a coherent blob of class 2 that smoothing alone cannot remove but the
 * compatibility with ĝ_2 ≪ 0 (global scores say class 2 is absent) can.
 */
function constructedSample(seed: number): CrfFitSample {
  const rng = new Rng(seed);
  const [H, W] = [24, 32];
  const image = new Uint8Array(H * W * 3);
  const label = new Uint8Array(H * W);
  const unary = new Float32Array(H * W * L);
  const by = 2 + rng.int(10);
  const bx = 2 + rng.int(3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const c = x < W / 2 ? 0 : 1;
      label[i] = c;
      const colour = c === 0 ? [200, 60, 40] : [40, 70, 210];
      for (let k = 0; k < 3; k++) image[3 * i + k] = Math.max(0, Math.min(255, colour[k] + Math.round(6 * rng.normal())));
      unary[i * L + c] = 1;
      if (rng.next() < 0.2) unary[i * L + (c === 0 ? 1 : 0)] = 2.2;
      if (y >= by && y < by + 10 && x >= bx && x < bx + 10) unary[i * L + 2] = 3;
    }
  }
  return { name: `s${seed}`, image, label, height: H, width: W, unary, global: Float32Array.from([4, 4, -4]) };
}

/** mIoU of one setting computed directly (runGuidanceCrf, per-class TP/FP/FN counted here). */
function referenceMIoU(samples: CrfFitSample[], s: CrfSettings): number {
  const tp = new Array(L).fill(0);
  const fp = new Array(L).fill(0);
  const fn = new Array(L).fill(0);
  for (const x of samples) {
    const logPresence = Array.from(x.global!, (g) => -Math.log1p(Math.exp(-g)));
    const labels =
      s.T === 0
        ? null
        : runGuidanceCrf({ image: x.image, unary: x.unary, height: x.height, width: x.width, numClasses: L, logPresence }, s).labels;
    for (let i = 0; i < x.label.length; i++) {
      let p: number;
      if (labels) p = labels[i];
      else {
        p = 0;
        for (let l = 1; l < L; l++) if (x.unary[i * L + l] > x.unary[i * L + p]) p = l;
      }
      const t = x.label[i];
      if (p === t) tp[t]++;
      else {
        fp[p]++;
        fn[t]++;
      }
    }
  }
  const ious = tp.map((v, c) => (v + fp[c] + fn[c] > 0 ? v / (v + fp[c] + fn[c]) : NaN)).filter((v) => !Number.isNaN(v));
  return ious.reduce((a, b) => a + b, 0) / ious.length;
}

const SPACE: CrfSearchSpace = { w: [0.5, 2, 6], lambda: [0, 1], r: [1, 3], eps: [10, 1000], T: [2, 4] };

test('CRF search finds the best setting of a constructed case (grid = brute force; coordinate reaches it)', () => {
  const samples = [constructedSample(1), constructedSample(2), constructedSample(3)];
  // Independent brute force over the whole grid.
  let bestRef = -Infinity;
  let unaryRef = NaN;
  for (const w of SPACE.w)
    for (const lambda of SPACE.lambda)
      for (const r of SPACE.r)
        for (const eps of SPACE.eps)
          for (const T of SPACE.T) bestRef = Math.max(bestRef, referenceMIoU(samples, resolveCrfSettings({ w, lambda, r, eps, T })));
  unaryRef = referenceMIoU(samples, resolveCrfSettings({ T: 0 }));

  const grid = searchCrfSettings(samples, CLASSES, runner, { space: SPACE, strategy: 'grid' });
  assert.equal(grid.rows.length, 48);
  assert.ok(Math.abs(grid.best.mIoU - bestRef) < 1e-12, `grid best ${grid.best.mIoU} vs brute force ${bestRef}`);
  assert.ok(Math.abs(referenceMIoU(samples, grid.best.settings) - bestRef) < 1e-12, 'the returned settings give the best mIoU');
  assert.ok(Math.abs(grid.unary.mIoU - unaryRef) < 1e-12);

  const coord = searchCrfSettings(samples, CLASSES, runner, { space: SPACE, start: { w: 0.5, lambda: 0, r: 1, eps: 10, T: 2 } });
  assert.ok(coord.rows.length < grid.rows.length, 'coordinate search evaluates fewer settings');
  assert.ok(Math.abs(coord.best.mIoU - bestRef) < 1e-12, `coordinate best ${coord.best.mIoU} vs ${bestRef}`);
  // What the case is built to show: the CRF helps, and the compatibility (λ > 0) is needed for the best.
  assert.ok(bestRef > unaryRef + 0.05, `CRF ${bestRef} vs unary ${unaryRef}`);
  assert.ok(coord.best.settings.lambda > 0 && grid.best.settings.lambda > 0);
  assert.ok(coord.potts !== null && coord.potts.settings.lambda === 0 && coord.potts.mIoU < bestRef);
  assert.match(formatSearchTable(coord), /\| no CRF \|/);
});

test('CRF search keeps λ = 0 for a model without global scores', () => {
  const samples = [{ ...constructedSample(4), global: null }];
  const r = searchCrfSettings(samples, CLASSES, runner, { space: { ...SPACE, r: [1], eps: [10], T: [2] } });
  assert.ok(r.rows.every((row) => row.settings.lambda === 0));
  assert.throws(() => searchCrfSettings(samples, CLASSES, runner, { space: { ...SPACE, w: [] } }), /no value to try for w/);
});
