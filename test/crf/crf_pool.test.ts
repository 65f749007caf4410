import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuidanceCrfPool } from '../../src/crf/crf_pool';
import { runGuidanceCrf } from '../../src/crf/guidance_crf';
import { logPresenceFromGlobalScores } from '../../src/crf/compatibility';
import { prepareGuide } from '../../src/crf/guided_filter';
import { Rng } from '../../src/util/rng';
import { randomImage, relativeError } from './reference';

// Bands of one kernel equal that kernel's single band up to float rounding; kernel against kernel: test/crf/wasm.
for (const kernel of ['js', 'wasm'] as const) test(`multi-threaded CRF (${kernel} kernel) equals the single-thread run of the same kernel (exact and fast, λ = 0 and λ > 0)`, async () => {
  const rng = new Rng(Date.now() >>> 0);
  const pools = [await GuidanceCrfPool.create(2, { kernel }), await GuidanceCrfPool.create(3, { kernel })];
  try {
    // Bands thinner than the 2r-row halo (9 rows over 3 threads, r = 2) exchange rows with more than one neighbour.
    for (const [H, W, L, r, subsample, lambda] of [
      [37, 29, 5, 2, 1, 0], [41, 33, 4, 3, 1, 0.3], [45, 38, 3, 4, 2, 0.2], [9, 12, 3, 2, 1, 0], [50, 31, 4, 4, 3, 0],
      [40, 27, 11, 4, 1, 0.5], [7, 13, 2, 5, 1, 0.1],
    ]) {
      const image = randomImage(rng, H, W, 25);
      const unary = new Float32Array(H * W * L).map(() => 2 * rng.normal());
      const logPresence = logPresenceFromGlobalScores(Array.from({ length: L }, () => 3 * rng.normal()));
      const input = { image, unary, height: H, width: W, numClasses: L, logPresence };
      const settings = { w: rng.uniform(1, 5), lambda, r, T: 3, subsample };
      const single = runGuidanceCrf(input, settings, { kernel });
      for (const pool of pools) {
        const multi = pool.run(input, settings);
        const err = relativeError(multi.scores, single.scores);
        assert.ok(err < 1e-5, `${pool.threads} threads ${H}x${W} r=${r} s=${subsample}: relative error ${err}`);
        let differ = 0;
        for (let i = 0; i < H * W; i++) if (multi.labels[i] !== single.labels[i]) differ++;
        assert.ok(differ <= 1, `${differ} labels differ`);
      }
    }
    // A guide prepared by the caller (plain memory, fast mode) is copied into the pool's shared maps.
    {
      const H = 33, W = 27, L = 4;
      const image = randomImage(rng, H, W, 15);
      const unary = new Float32Array(H * W * L).map(() => rng.normal());
      const guide = prepareGuide(image, H, W, 3, 10, { subsample: 2 });
      const input = { image, unary, height: H, width: W, numClasses: L, guide };
      const settings = { r: 3, T: 2, subsample: 2 };
      assert.ok(relativeError(pools[1].run(input, settings).scores, runGuidanceCrf(input, settings, { kernel }).scores) < 1e-5);
      // The same with an exact guide, which the wasm kernel copies instead of computing.
      const exact = { ...input, guide: prepareGuide(image, H, W, 3, 10) };
      assert.ok(relativeError(pools[1].run(exact, { r: 3, T: 2 }).scores, runGuidanceCrf(exact, { r: 3, T: 2 }, { kernel }).scores) < 1e-5);
    }
    // Inputs already in shared memory are used in place.
    const H = 20, W = 16, L = 3;
    const unary = new Float32Array(new SharedArrayBuffer(H * W * L * 4)).map(() => rng.normal());
    const input = { image: randomImage(rng, H, W, 10), unary, height: H, width: W, numClasses: L };
    assert.ok(relativeError(pools[0].run(input, { T: 2, r: 2 }).scores, runGuidanceCrf(input, { T: 2, r: 2 }, { kernel }).scores) < 1e-5);
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  await assert.rejects(async () => pools[0].run({ image: new Uint8Array(3), unary: new Float32Array(1), height: 1, width: 1, numClasses: 1 }), /after close/);
});
