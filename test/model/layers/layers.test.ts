import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend';
import { Conv2d, convOutputSize } from '../../../src/model/layers/conv2d';
import { Dropout } from '../../../src/model/layers/dropout';
import { Linear } from '../../../src/model/layers/linear';
import { Rng } from '../../../src/util/rng';
import { maxAbsDiff, randomArray } from '../helpers';

/** float64 direct convolution with zero padding (NHWC, HWIO). */
function referenceConv(x: Float32Array, [b, h, w, ci]: number[], wt: Float32Array, k: number, co: number, stride: number, dil: number, pad: number) {
  const oh = Math.floor((h + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
  const out = new Float64Array(b * oh * ow * co);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < co; o++) {
          let s = 0;
          for (let p = 0; p < k; p++)
            for (let q = 0; q < k; q++) {
              const r = i * stride - pad + p * dil, c = j * stride - pad + q * dil;
              if (r < 0 || r >= h || c < 0 || c >= w) continue;
              for (let m = 0; m < ci; m++) s += x[((n * h + r) * w + c) * ci + m] * wt[((p * k + q) * ci + m) * co + o];
            }
          out[((n * oh + i) * ow + j) * co + o] = s;
        }
  return { out, oh, ow };
}

test('Conv2d: same seed gives the same He-normal weights; output matches direct convolution', async () => {
  await initBackend('cpu');
  const a = new Conv2d(4, 5, { kernelSize: 3, dilation: 2 }, new Rng(7));
  const b = new Conv2d(4, 5, { kernelSize: 3, dilation: 2 }, new Rng(7));
  const c = new Conv2d(4, 5, { kernelSize: 3, dilation: 2 }, new Rng(8));
  const wa = await a.weight.data();
  assert.deepEqual(wa, await b.weight.data());
  assert.notDeepEqual(wa, await c.weight.data());
  assert.deepEqual(a.weight.shape, [3, 3, 4, 5]);
  assert.equal(a.parameterCount(), 3 * 3 * 4 * 5 + 5);

  const rng = new Rng(1);
  for (const [k, stride, dil] of [[3, 1, 2], [3, 2, 1], [1, 2, 1], [7, 2, 1]]) {
    const conv = new Conv2d(3, 4, { kernelSize: k, stride, dilation: dil }, rng);
    conv.bias!.assign(tf.tensor1d(randomArray(rng, 4)));
    const shape = [2, 9, 11, 3];
    const xs = randomArray(rng, 2 * 9 * 11 * 3);
    const y = conv.forward(tf.tensor4d(xs, shape as [number, number, number, number]));
    const ref = referenceConv(xs, shape, await conv.weight.data() as Float32Array, k, 4, stride, dil, (dil * (k - 1)) / 2);
    const bias = await conv.bias!.data();
    assert.deepEqual(y.shape, [2, ref.oh, ref.ow, 4]);
    assert.equal(ref.oh, convOutputSize(9, k, stride, dil, 'same'));
    assert.ok(maxAbsDiff(await y.data(), ref.out.map((v, i) => v + bias[i % 4])) < 1e-4, `k${k} s${stride} d${dil}`);
    y.dispose();
    conv.dispose();
  }
  for (const m of [a, b, c]) m.dispose();
});

test('He-normal init has std sqrt(2/fanIn) and mean 0', async () => {
  const conv = new Conv2d(16, 64, { kernelSize: 3 }, new Rng(2));
  const w = Array.from(await conv.weight.data());
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
  const expected = Math.sqrt(2 / (9 * 16));
  assert.ok(Math.abs(mean) < 0.05 * expected, `mean ${mean}`);
  assert.ok(Math.abs(std / expected - 1) < 0.05, `std ${std} vs ${expected}`);
  conv.dispose();
});

test('Linear computes x W + b', async () => {
  await initBackend('cpu');
  const rng = new Rng(4);
  const fc = new Linear(5, 3, rng);
  fc.bias.assign(tf.tensor1d([1, -2, 0.5]));
  const xs = randomArray(rng, 10);
  const y = fc.forward(tf.tensor2d(xs, [2, 5]));
  const w = await fc.weight.data();
  const exp: number[] = [];
  for (let n = 0; n < 2; n++)
    for (let o = 0; o < 3; o++) {
      let s = [1, -2, 0.5][o];
      for (let i = 0; i < 5; i++) s += xs[n * 5 + i] * w[i * 3 + o];
      exp.push(s);
    }
  assert.ok(maxAbsDiff(await y.data(), exp) < 1e-5);
  assert.equal(fc.parameterCount(), 18);
  y.dispose();
  fc.dispose();
});

test('Dropout: reproducible from ctx.rng, inverted scaling, identity at inference', async () => {
  await initBackend('cpu');
  const drop = new Dropout(0.5);
  const x = tf.ones([4, 8, 8, 16]);
  const run = async (seed: number) => {
    const y = drop.forward(x, { training: true, rng: new Rng(seed) });
    const values = await y.data();
    y.dispose();
    return values;
  };
  const [a, b, c] = [await run(5), await run(5), await run(6)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const v of a) assert.ok(v === 0 || Math.abs(v - 2) < 1e-6);
  const kept = a.filter((v) => v !== 0).length / a.length;
  assert.ok(Math.abs(kept - 0.5) < 0.05, `kept ${kept}`);
  assert.equal(drop.forward(x, { training: false }), x);
  assert.throws(() => new Dropout(1), /dropout rate/);
  x.dispose();
});
