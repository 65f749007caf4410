import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGuidanceCrf } from '../../src/crf/guidance_crf';
import { compatibilityMatrix, logPresenceFromGlobalScores } from '../../src/crf/compatibility';
import { prepareGuide } from '../../src/crf/guided_filter';
import { Rng } from '../../src/util/rng';
import type { CrfKernelChoice } from '../../src/crf/crf_input';
import { bruteMeanField, explicitKernel, KERNEL_TOLERANCE, randomImage, relativeError } from './reference';

function randomCase(rng: Rng, H: number, W: number, L: number) {
  const image = randomImage(rng, H, W, 20);
  const unary = new Float32Array(H * W * L).map(() => 2 * rng.normal());
  const g = Array.from({ length: L }, () => 3 * rng.normal());
  return { image, unary, g };
}

// Both kernels against the same brute force (L = 1 runs on JavaScript either way).
const KERNELS: CrfKernelChoice[] = ['js', 'wasm'];

for (const kernel of KERNELS) test(`λ = 0 (${kernel} kernel): mean-field scores equal a brute-force mean-field with the explicit kernel and Potts compatibility`, () => {
  const rng = new Rng(Date.now() >>> 0);
  for (const [H, W, L, r, T] of [[7, 9, 3, 1, 3], [8, 6, 4, 2, 2], [5, 7, 2, 2, 1], [6, 6, 1, 1, 2], [9, 11, 11, 3, 2]]) {
    const { image, unary } = randomCase(rng, H, W, L);
    const w = rng.uniform(0.5, 4);
    const res = runGuidanceCrf({ image, unary, height: H, width: W, numClasses: L }, { w, lambda: 0, r, eps: 10, T }, { kernel });
    const K = explicitKernel(image, H, W, r, 10);
    const ref = bruteMeanField(K, unary, H * W, L, compatibilityMatrix(null, 0, L), w, T);
    const err = relativeError(res.scores, ref);
    assert.ok(err < KERNEL_TOLERANCE[kernel as 'js' | 'wasm'], `${H}x${W} L=${L} r=${r} T=${T}: relative error ${err}`);
    for (let i = 0; i < H * W; i++) {
      const row = Array.from(ref.subarray(i * L, (i + 1) * L));
      const best = row.indexOf(Math.max(...row));
      // Ties within the kernel's error could flip the label; only check clear winners.
      const sorted = [...row].sort((a, b) => b - a);
      if (sorted[0] - sorted[1] > 100 * KERNEL_TOLERANCE[kernel as 'js' | 'wasm']) assert.equal(res.labels[i], best);
    }
  }
});

for (const kernel of KERNELS) test(`λ > 0 (${kernel} kernel): content-sensitive compatibility matches the brute force with the dense μ`, () => {
  const rng = new Rng(Date.now() >>> 0);
  for (const [H, W, L, r, T] of [[7, 8, 4, 2, 3], [6, 9, 3, 1, 2], [8, 7, 11, 4, 2]]) {
    const { image, unary, g } = randomCase(rng, H, W, L);
    const lp = logPresenceFromGlobalScores(g);
    const w = rng.uniform(0.5, 3);
    const lambda = rng.uniform(0.05, 0.5);
    const res = runGuidanceCrf({ image, unary, height: H, width: W, numClasses: L, logPresence: lp }, { w, lambda, r, eps: 10, T }, { kernel });
    const K = explicitKernel(image, H, W, r, 10);
    const ref = bruteMeanField(K, unary, H * W, L, compatibilityMatrix(lp, lambda, L), w, T);
    const err = relativeError(res.scores, ref);
    assert.ok(err < KERNEL_TOLERANCE[kernel as 'js' | 'wasm'], `${H}x${W} L=${L} r=${r}: relative error ${err}`);
  }
});

for (const kernel of KERNELS) test(`T = 0 returns the unary; a prepared guide gives the same result (${kernel} kernel); bad inputs are named`, () => {
  const rng = new Rng(Date.now() >>> 0);
  const H = 6, W = 5, L = 3;
  const { image, unary } = randomCase(rng, H, W, L);
  const input = { image, unary, height: H, width: W, numClasses: L };
  assert.deepEqual(Array.from(runGuidanceCrf(input, { T: 0 }, { kernel }).scores), Array.from(unary));
  const a = runGuidanceCrf(input, { r: 2, T: 2 }, { kernel });
  const b = runGuidanceCrf({ ...input, guide: prepareGuide(image, H, W, 2, 10) }, { r: 2, T: 2 }, { kernel });
  // The wasm kernel computes the guide statistics itself when none is given (same formulas, other summation order).
  assert.ok(relativeError(a.scores, b.scores) < 1e-6);
  assert.throws(() => runGuidanceCrf(input, { r: 2 }, { kernel: 'gpu' as CrfKernelChoice }), /unknown kernel/);
  assert.throws(() => runGuidanceCrf({ ...input, guide: prepareGuide(image, H, W, 3, 10) }, { r: 2 }), /does not match/);
  assert.throws(() => runGuidanceCrf(input, { lambda: 1 }), /logPresence/);
  assert.throws(() => runGuidanceCrf(input, { r: 0 }), /crf\.r/);
  assert.throws(() => runGuidanceCrf({ ...input, numClasses: 4 }), /expected 6x5x4/);
});

test('fast mode (subsample 2) stays close to the exact CRF on a smooth image', () => {
  const rng = new Rng(Date.now() >>> 0);
  const H = 40, W = 44, L = 3;
  const image = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    image[(y * W + x) * 3 + c] = Math.round(127 + 100 * Math.sin(0.06 * x + 0.04 * y + c));
  }
  const unary = new Float32Array(H * W * L).map(() => rng.normal());
  const input = { image, unary, height: H, width: W, numClasses: L };
  const exact = runGuidanceCrf(input, { w: 2, T: 3 });
  const fast = runGuidanceCrf(input, { w: 2, T: 3, subsample: 2 });
  let meanAbs = 0;
  for (let k = 0; k < unary.length; k++) meanAbs += Math.abs(exact.scores[k] - fast.scores[k]) / unary.length;
  assert.ok(meanAbs < 0.05, `mean |S_exact - S_fast| = ${meanAbs}`);
});
