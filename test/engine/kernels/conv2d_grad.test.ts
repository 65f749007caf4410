/**
 * The project's `Conv2D` gradient through `tf.grads`: on wasm against the cpu
 * backend's stock kernels (dilation 1) and against a float64 brute force (any
 * dilation, where tfjs has no gradient of its own). Accuracy: relative L2
 * error ‖got − ref‖₂/‖ref‖₂ < 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/util/rng';
import { REL_TOL, bruteConv, caseData, describeCase, freshSeed, onBackend, randomCase, relL2 } from '../helpers';

test('tf.grads of tf.conv2d (strides, dilations, paddings) on wasm and cpu match a float64 brute force', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < 40; n++) {
    const c = randomCase(rng);
    const d = caseData(rng, c);
    const ref = bruteConv(c, d.x, d.w, d.dy);
    const run = (): tf.Tensor[] => {
      const dy = tf.tensor4d(d.dy, d.dyShape);
      const f = (x: tf.Tensor, w: tf.Tensor): tf.Tensor =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation), dy));
      return tf.grads(f)([tf.tensor4d(d.x, c.x), tf.tensor4d(d.w, c.w)]);
    };
    for (const backend of ['wasm', 'cpu'] as const) {
      const [dx, dw] = await onBackend(backend, run);
      const ex = relL2(dx, ref.dx);
      const ew = relL2(dw, ref.dw);
      assert.ok(ex < REL_TOL && ew < REL_TOL, `seed ${seed}: ${backend} ${describeCase(c)}: dx ${ex}, dw ${ew}`);
    }
  }
});
