import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { Rng } from '../../src/util/rng';
import { maxAbsDiff, randomArray, tinyConfig } from './helpers';

function randomImages(rng: Rng, b: number, h: number, w: number): tf.Tensor4D {
  return tf.tensor4d(randomArray(rng, b * h * w * 3, 0, 255), [b, h, w, 3]);
}

/** float64 bilinear resize of [h, w, L] (one image) where output (y, x) reads source (y*sy, x*sx), edge-clamped. */
function referenceBilinear(src: Float32Array, h: number, w: number, L: number, H: number, W: number, sy: number, sx: number) {
  const out = new Float64Array(H * W * L);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const fy = Math.min(y * sy, h - 1), fx = Math.min(x * sx, w - 1);
      const y0 = Math.floor(fy), x0 = Math.floor(fx);
      const y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
      const dy = fy - y0, dx = fx - x0;
      for (let l = 0; l < L; l++) {
        const at = (r: number, c: number) => src[(r * w + c) * L + l];
        out[(y * W + x) * L + l] =
          (1 - dy) * ((1 - dx) * at(y0, x0) + dx * at(y0, x1)) + dy * ((1 - dx) * at(y1, x0) + dx * at(y1, x1));
      }
    }
  return out;
}

for (const preset of ['bench-vgg', 'bench-resnet'] as const) {
  test(`${preset} (tiny): shapes at odd sizes, eval is deterministic, featureSize agrees`, async () => {
    await initBackend('cpu');
    const cfg = tinyConfig(preset);
    const model = buildSegmentor(cfg, 3);
    const s = model.outputStride;
    const rng = new Rng(9);
    for (const [h, w] of [[45, 61], [33, 17]]) {
      const images = randomImages(rng, 2, h, w);
      const out = model.forward(images, { training: false });
      assert.deepEqual(out.dense.shape, [2, Math.ceil(h / s), Math.ceil(w / s), 11]);
      assert.deepEqual(model.featureSize(h, w), [Math.ceil(h / s), Math.ceil(w / s)]);
      assert.deepEqual(out.global!.shape, [2, 11]);
      const u = model.unary(out, h, w);
      assert.deepEqual(u.shape, [2, h, w, 11]);
      const again = model.forward(images, { training: false });
      assert.equal(maxAbsDiff(await out.dense.data(), await again.dense.data()), 0);
      // Training mode (dropout, batch statistics) changes the output but not the shapes.
      const train = model.forward(images, { training: true, rng: new Rng(1) });
      assert.deepEqual(train.dense.shape, out.dense.shape);
      tf.dispose([images, out.dense, out.global!, u, again.dense, again.global!, train.dense, train.global!]);
    }
    // The same seed rebuilds the same weights (running statistics moved in training mode above).
    const twin = buildSegmentor(cfg, 3);
    const a = model.namedTrainableVariables(), b = twin.namedTrainableVariables();
    assert.deepEqual(a.map(([n]) => n), b.map(([n]) => n));
    for (let i = 0; i < a.length; i++) assert.deepEqual(await a[i][1].data(), await b[i][1].data(), a[i][0]);
    model.dispose();
    twin.dispose();
  });
}

test('baseline vs joint: same dense branch, global null, unary differs by g broadcast', async () => {
  await initBackend('cpu');
  const joint = buildSegmentor(tinyConfig('bench-vgg'), 5);
  const base = buildSegmentor(tinyConfig('bench-vgg', { variant: 'baseline' }), 5);
  assert.equal(base.clsHead, null);
  assert.equal(base.parameterCount(), joint.parameterCount() - joint.clsHead!.parameterCount());
  const images = randomImages(new Rng(2), 1, 45, 61);
  const oj = joint.forward(images, { training: false });
  const ob = base.forward(images, { training: false });
  assert.equal(ob.global, null);
  assert.equal(maxAbsDiff(await oj.dense.data(), await ob.dense.data()), 0);
  const uj = await joint.unary(oj, 45, 61).data();
  const ub = await base.unary(ob, 45, 61).data();
  const g = await oj.global!.data();
  // Bilinear weights sum to 1, so upsample(D + g) = upsample(D) + g.
  assert.ok(maxAbsDiff(uj, Array.from(ub, (v, i) => v + g[i % 11])) < 1e-4);
  joint.dispose();
  base.dispose();
  tf.dispose([images, oj.dense, oj.global!, ob.dense]);
});

test('unary: feature pixel j sits on input pixel s*j; other sizes resize directly', async () => {
  await initBackend('cpu');
  const model = buildSegmentor(tinyConfig('bench-vgg', { variant: 'baseline' }), 1);
  const rng = new Rng(4);
  const dense = tf.tensor4d(randomArray(rng, 6 * 8 * 11), [1, 6, 8, 11]);
  const src = (await dense.data()) as Float32Array;
  const aligned = await model.unary({ dense, global: null }, 45, 61).data();
  assert.ok(maxAbsDiff(aligned, referenceBilinear(src, 6, 8, 11, 45, 61, 1 / 8, 1 / 8)) < 1e-5);
  const other = await model.unary({ dense, global: null }, 20, 30).data();
  assert.ok(maxAbsDiff(other, referenceBilinear(src, 6, 8, 11, 20, 30, 6 / 20, 8 / 30)) < 1e-5);
  dense.dispose();
  model.dispose();
});

test('forward normalizes the 0..255 input with config.normalize', async () => {
  await initBackend('cpu');
  const cfg = tinyConfig('bench-vgg', { normalize: { mean: [10, 20, 30], std: [2, 4, 8] } });
  const model = buildSegmentor(cfg, 1);
  const images = randomImages(new Rng(3), 1, 24, 24);
  const out = model.forward(images, { training: false });
  const pixels = await images.data();
  const manual = tf.tensor4d(Array.from(pixels, (v, i) => (v - [10, 20, 30][i % 3]) / [2, 4, 8][i % 3]), [1, 24, 24, 3]);
  const expected = model.denseHead.forward(model.backbone.forward(manual, { training: false }), { training: false });
  assert.ok(maxAbsDiff(await out.dense.data(), await expected.data()) < 1e-4);
  assert.throws(() => model.forward(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, { training: false }), /\[batch, height, width, 3\]/);
  tf.dispose([images, out.dense, out.global!, manual, expected]);
  model.dispose();
});
