import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGuidanceCrf } from '../../../src/crf/guidance_crf';
import { wasmShape } from '../../../src/crf/wasm/wasm_kernel';
import { logPresenceFromGlobalScores } from '../../../src/crf/compatibility';
import { resolveCrfSettings } from '../../../src/crf/settings';
import { WasmBand } from '../../../src/crf/wasm/wasm_band';
import { runWasmBand } from '../../../src/crf/wasm/wasm_mean_field';
import { crfWasmSupported, loadCrfWasm } from '../../../src/crf/wasm/wasm_module';
import { Rng } from '../../../src/util/rng';
import { KERNEL_TOLERANCE, randomImage, relativeError } from '../reference';

// The kernels' own error against float64 (reference.ts); no label changed in the measurements.
const TOLERANCE = KERNEL_TOLERANCE.wasm;
/** Labels may differ only at near-ties: at most 1 pixel in 500 (and at least 1). */
const labelAllowance = (pixels: number) => Math.max(1, Math.floor(pixels / 500));

function randomInput(rng: Rng, H: number, W: number, L: number) {
  return {
    image: randomImage(rng, H, W, 25),
    unary: new Float32Array(H * W * L).map(() => 2 * rng.normal()),
    height: H,
    width: W,
    numClasses: L,
    logPresence: logPresenceFromGlobalScores(Array.from({ length: L }, () => 3 * rng.normal())),
  };
}

test('the runtime has WebAssembly SIMD and the kernel compiles asynchronously', async () => {
  assert.equal(crfWasmSupported(), true);
  assert.equal(await loadCrfWasm(), true);
});

test('wasm kernel equals the JavaScript kernel on random inputs (sizes, r = 1..5, L = 2, 3, 11, λ ≥ 0)', () => {
  const rng = new Rng(Date.now() >>> 0);
  for (const [H, W, L, r, lambda, T] of [
    [13, 17, 3, 1, 0, 3], [20, 29, 11, 4, 0.7, 3], [9, 31, 2, 2, 0.2, 2], [25, 11, 11, 5, 0, 2], [16, 263, 3, 3, 0.4, 2],
    [1, 7, 2, 1, 0.5, 2], [6, 1, 11, 2, 0, 1], [11, 3, 4, 5, 0.3, 4], [12, 19, 5, 3, 1, 1],
  ]) {
    const input = randomInput(rng, H, W, L);
    const settings = { w: rng.uniform(0.5, 5), lambda, r, T };
    const js = runGuidanceCrf(input, settings, { kernel: 'js' });
    const wasm = runGuidanceCrf(input, settings, { kernel: 'wasm' });
    const err = relativeError(wasm.scores, js.scores);
    assert.ok(err < TOLERANCE, `${H}x${W} L=${L} r=${r} λ=${lambda}: relative error ${err}`);
    let differ = 0;
    for (let i = 0; i < H * W; i++) if (wasm.labels[i] !== js.labels[i]) differ++;
    assert.ok(differ <= labelAllowance(H * W), `${H}x${W} L=${L}: ${differ} labels differ`);
  }
});

test('wasm bands and narrow strips give the whole-image values', () => {
  const rng = new Rng(Date.now() >>> 0);
  const H = 23, W = 21, L = 5, r = 3, T = 3;
  const input = randomInput(rng, H, W, L);
  const settings = resolveCrfSettings({ w: 2, lambda: 0.5, r, T });
  const ref = runGuidanceCrf(input, settings, { kernel: 'js' });
  for (const strip of [1, 4, 9, 256]) {
    const scores = new Float32Array(H * W * L);
    const labels = new Uint8Array(H * W);
    // One band at a time, each with the whole-image Q (no halo exchange needed for T = 1).
    const band = new WasmBand(strip);
    for (const [y0, y1] of [[0, 7], [7, 8], [8, 23]]) {
      runWasmBand(band, wasmShape(input, settings, y0, y1), 1, { image: input.image, guide: null, unary: input.unary }, { scores, labels }, null, () => {});
    }
    const one = runGuidanceCrf(input, { ...settings, T: 1 }, { kernel: 'js' });
    assert.ok(relativeError(scores, one.scores) < TOLERANCE, `strip ${strip}, T = 1 bands`);
    const full = new Float32Array(H * W * L);
    runWasmBand(band, wasmShape(input, settings, 0, H), T, { image: input.image, guide: null, unary: input.unary }, { scores: full, labels }, null, () => {});
    assert.ok(relativeError(full, ref.scores) < TOLERANCE, `strip ${strip}, whole image`);
  }
});

test('cases the wasm kernel does not cover run on the JavaScript kernel (L = 1, T = 0, fast filter)', () => {
  const rng = new Rng(Date.now() >>> 0);
  const input = randomInput(rng, 10, 12, 1);
  assert.deepEqual(runGuidanceCrf(input, { T: 2, r: 2 }, { kernel: 'wasm' }).scores, runGuidanceCrf(input, { T: 2, r: 2 }, { kernel: 'js' }).scores);
  const three = randomInput(rng, 10, 12, 3);
  assert.deepEqual(runGuidanceCrf(three, { T: 0 }, { kernel: 'wasm' }).scores, three.unary);
  const s = { T: 2, r: 2, subsample: 2 };
  assert.deepEqual(runGuidanceCrf(three, s, { kernel: 'wasm' }).scores, runGuidanceCrf(three, s, { kernel: 'js' }).scores);
});
