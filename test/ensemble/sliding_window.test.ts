import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidateList } from '../../src/ensemble/candidates';
import type { CandidateMaps } from '../../src/ensemble/combine';
import { imageCandidateMaps, inferUnary, type NetworkRunner } from '../../src/ensemble/network';
import { slidingWindowMaps, windowOrigins } from '../../src/ensemble/sliding_window';
import { Rng } from '../../src/util/rng';

test('window origins cover the axis with steps of at most 2/3 of the window, the last flush with the end', () => {
  assert.deepEqual(windowOrigins(100, 100), [0]);
  assert.deepEqual(windowOrigins(100, 150), [0]);
  assert.deepEqual(windowOrigins(100, 30), [0, 20, 40, 60, 70]);
  for (const [size, win] of [[1024, 512], [2048, 1024], [37, 8], [9, 2]]) {
    const o = windowOrigins(size, win);
    assert.equal(o[0], 0);
    assert.equal(o[o.length - 1], size - win);
    for (let k = 1; k < o.length; k++) assert.ok(o[k] > o[k - 1] && o[k] - o[k - 1] <= Math.ceil((2 * win) / 3));
  }
});

/**
 * A network whose unary at a pixel depends on that pixel alone (and on the candidate),
 * so tiles must reproduce the whole image exactly; its global scores are the mean colour.
 */
function pointwiseNetwork(L: number, calls: Array<[number, number]>): NetworkRunner {
  return {
    runtime: 'tfjs',
    numClasses: L,
    async candidateMaps(image, height, width, opts): Promise<CandidateMaps> {
      calls.push([height, width]);
      const candidates = candidateList(opts);
      const unaries = new Float32Array(candidates.length * height * width * L);
      const globals = new Float32Array(candidates.length * L);
      candidates.forEach((c, k) => {
        for (let p = 0; p < height * width; p++) {
          for (let l = 0; l < L; l++) unaries[(k * height * width + p) * L + l] = image[p * 3 + (l % 3)] * (l + 1) * c.scale + (c.flipped ? 1 : 0);
        }
        for (let l = 0; l < L; l++) globals[k * L + l] = image.reduce((a, b) => a + b, 0) / image.length;
      });
      return { height, width, numClasses: L, candidates, unaries, globals };
    },
    release: async () => {},
  };
}

test('sliding-window maps of a pointwise network equal the whole image, tile by tile, for every candidate', async () => {
  const rng = new Rng(4);
  const [H, W, L] = [23, 41, 5];
  const image = Uint8Array.from({ length: H * W * 3 }, () => rng.int(256));
  const opts = { scales: [1, 0.5], flip: true };
  const whole = await pointwiseNetwork(L, []).candidateMaps(image, H, W, opts);
  const calls: Array<[number, number]> = [];
  const net = pointwiseNetwork(L, calls);
  const tiled = await slidingWindowMaps((img, h, w) => net.candidateMaps(img, h, w, opts), L, image, H, W, { height: 10, width: 16 });
  assert.equal(calls.length, windowOrigins(H, 10).length * windowOrigins(W, 16).length);
  assert.ok(calls.every(([h, w]) => h === 10 && w === 16));
  assert.deepEqual(tiled.candidates, whole.candidates);
  let maxErr = 0;
  for (let i = 0; i < whole.unaries.length; i++) maxErr = Math.max(maxErr, Math.abs(tiled.unaries[i] - whole.unaries[i]) / (1 + Math.abs(whole.unaries[i])));
  assert.ok(maxErr < 1e-6, `tiled vs whole: ${maxErr}`);
  // Global scores: the mean over tiles of each tile's scores.
  assert.equal(tiled.globals!.length, whole.globals!.length);
  // A window as large as the image runs it whole, once.
  const once: Array<[number, number]> = [];
  await imageCandidateMaps(pointwiseNetwork(L, once), image, H, W, { ...opts, window: { height: 50, width: 50 } });
  assert.deepEqual(once, [[H, W]]);
  // inferUnary takes the window from the ensemble options.
  const u = await inferUnary(pointwiseNetwork(L, []), image, H, W, { scales: [1], flip: false, combine: 'avg', window: { height: 12, width: 12 } });
  const plain = await inferUnary(pointwiseNetwork(L, []), image, H, W);
  for (let i = 0; i < u.scores.length; i++) assert.ok(Math.abs(u.scores[i] - plain.scores[i]) <= 1e-3 * (1 + Math.abs(plain.scores[i])));
});

test('a window that is not whole positive pixels is refused', async () => {
  const net = pointwiseNetwork(2, []);
  await assert.rejects(slidingWindowMaps((i, h, w) => net.candidateMaps(i, h, w, { scales: [1], flip: false }), 2, new Uint8Array(4 * 4 * 3), 4, 4, { height: 0, width: 2 }), /window must be positive/);
});
