/**
 * The project's `DepthwiseConv2dNative` gradient through `tf.grads`, on wasm
 * (which has no depthwise backprop kernels) and cpu, against a float64 brute
 * force, for random strides, dilations, paddings and channel multipliers.
 * Accuracy: relative L2 error ‖got − ref‖₂/‖ref‖₂ < 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseConv2d } from '../../../src/engine/ops';
import { Rng } from '../../../src/util/rng';
import { ConvCase, REL_TOL, caseData, describeCase, freshSeed, onBackend, randomCase, relL2 } from '../helpers';

/** Float64 brute-force depthwise conv: y, dx and dw (filter [k, k, C, m], output channel c·m + j). */
function bruteDepthwise(c: ConvCase, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.w, c.stride, c.dilation, c.pad, undefined, true);
  const [B, H, W, C] = c.x;
  const [KH, KW, , M] = c.w;
  const { outHeight: OH, outWidth: OW } = info;
  const { top, left } = info.padInfo;
  const y = new Float64Array(B * OH * OW * C * M);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < B; b++)
    for (let a = 0; a < OH; a++)
      for (let q = 0; q < OW; q++)
        for (let i = 0; i < KH; i++) {
          const h = a * c.stride + i * c.dilation - top;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < KW; j++) {
            const ww = q * c.stride + j * c.dilation - left;
            if (ww < 0 || ww >= W) continue;
            for (let ch = 0; ch < C; ch++)
              for (let m = 0; m < M; m++) {
                const xi = ((b * H + h) * W + ww) * C + ch;
                const wi = ((i * KW + j) * C + ch) * M + m;
                const oi = ((b * OH + a) * OW + q) * C * M + ch * M + m;
                y[oi] += x[xi] * w[wi];
                dx[xi] += dy[oi] * w[wi];
                dw[wi] += x[xi] * dy[oi];
              }
          }
        }
  return { y, dx, dw };
}

test('tf.grads of a depthwise conv (strides, dilations, paddings, multipliers) on wasm and cpu match a float64 brute force', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < 40; n++) {
    const base = randomCase(rng);
    const multiplier = rng.next() < 0.7 ? 1 : 2;
    const c: ConvCase = { ...base, w: [base.w[0], base.w[1], base.x[3], multiplier] };
    // The output has C·m channels, not the filter's last dimension.
    const d = caseData(rng, { ...c, w: [c.w[0], c.w[1], c.x[3], c.x[3] * multiplier] });
    d.w = d.w.subarray(0, c.w.reduce((a, b) => a * b, 1));
    const ref = bruteDepthwise(c, d.x, d.w, d.dy);
    const run = (): tf.Tensor[] => {
      const dy = tf.tensor4d(d.dy, d.dyShape);
      const f = (x: tf.Tensor, w: tf.Tensor): tf.Tensor =>
        tf.sum(tf.mul(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation), dy));
      return [tf.depthwiseConv2d(tf.tensor4d(d.x, c.x), tf.tensor4d(d.w, c.w), c.stride, c.pad, 'NHWC', c.dilation),
        ...tf.grads(f)([tf.tensor4d(d.x, c.x), tf.tensor4d(d.w, c.w)])];
    };
    for (const backend of ['wasm', 'cpu'] as const) {
      const [y, dx, dw] = await onBackend(backend, run);
      const [ey, ex, ew] = [relL2(y, ref.y), relL2(dx, ref.dx), relL2(dw, ref.dw)];
      assert.ok(ey < REL_TOL && ex < REL_TOL && ew < REL_TOL, `seed ${seed}: ${backend} ${describeCase(c)}: y ${ey}, dx ${ex}, dw ${ew}`);
    }
  }
});

test('the depthwiseConv2d op pads symmetrically and keeps no tensors after a gradient', async () => {
  await onBackend('wasm', () => tf.zeros([1]));
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([2, 9, 10, 4]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 4, 1]) as tf.Tensor4D;
  const y = depthwiseConv2d(x, w, { stride: 2 });
  assert.deepEqual(y.shape, [2, 5, 5, 4]);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, { dilation: 2 })))([x, w]);
  tf.dispose([x, w, y, ...g]);
  assert.equal(tf.memory().numTensors, before);
});
