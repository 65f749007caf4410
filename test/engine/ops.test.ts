/**
 * `ops.conv2d` forward and gradients (x and filter, through `tf.grads`) on
 * wasm against the cpu backend. The cpu reference of a dilated convolution is
 * the space-to-batch formulation, which only uses tfjs's own gradients.
 * Accuracy: relative L2 error ‖got − ref‖₂/‖ref‖₂ < 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng';
import { conv2d } from '../../src/engine/ops';
import { REL_TOL, freshSeed, onBackend, randomArray, relL2 } from './helpers';

/** Dilated 'valid' conv of a pre-padded input via space-to-batch (stride 1). */
function spaceToBatchConv(x: tf.Tensor4D, w: tf.Tensor4D, dilation: number, pad: number): tf.Tensor4D {
  const [kh, kw] = w.shape;
  const padded = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
  const [, h, wd] = padded.shape;
  const outH = h - dilation * (kh - 1);
  const outW = wd - dilation * (kw - 1);
  const extraH = (dilation - (h % dilation)) % dilation;
  const extraW = (dilation - (wd % dilation)) % dilation;
  const s2b = tf.spaceToBatchND(padded, [dilation, dilation], [[0, extraH], [0, extraW]]) as tf.Tensor4D;
  const y = tf.conv2d(s2b, w, 1, 'valid');
  const b2s = tf.batchToSpaceND(y, [dilation, dilation], [[0, 0], [0, 0]]) as tf.Tensor4D;
  return tf.slice(b2s, [0, 0, 0, 0], [-1, outH, outW, -1]);
}

test('ops.conv2d value and gradients on wasm match the cpu backend', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < 30; n++) {
    const k = [1, 3, 7][rng.int(3)];
    const stride = 1 + rng.int(2);
    const dilation = stride > 1 ? 1 : [1, 2, 3, 1 + rng.int(12)][rng.int(4)];
    const padding = (['same', 'valid', rng.int(4)] as const)[rng.int(3)];
    const shape: [number, number, number, number] = [1 + rng.int(3), 5 + rng.int(13), 5 + rng.int(13), 1 + rng.int(8)];
    const pad = padding === 'same' ? (dilation * (k - 1)) / 2 : padding === 'valid' ? 0 : padding;
    const span = dilation * (k - 1) + 1;
    if (shape[1] + 2 * pad < span || shape[2] + 2 * pad < span) continue;
    const wShape: [number, number, number, number] = [k, k, shape[3], 1 + rng.int(8)];
    const xv = randomArray(rng, shape.reduce((a, b) => a * b, 1));
    const wv = randomArray(rng, wShape.reduce((a, b) => a * b, 1));
    const opts = { stride, dilation, padding };
    const weightOf = (y: tf.Tensor): tf.Tensor => tf.sin(tf.reshape(tf.range(0, y.size), y.shape));
    const withOps = (): tf.Tensor[] => {
      const f = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => {
        const y = conv2d(x as tf.Tensor4D, w as tf.Tensor4D, opts);
        return tf.sum(tf.mul(y, weightOf(y)));
      };
      const x = tf.tensor4d(xv, shape);
      const w = tf.tensor4d(wv, wShape);
      return [conv2d(x, w, opts), ...tf.grads(f)([x, w])];
    };
    const reference = (): tf.Tensor[] => {
      const f = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => {
        const y =
          dilation === 1
            ? tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad === 0 ? 'valid' : [[0, 0], [pad, pad], [pad, pad], [0, 0]])
            : spaceToBatchConv(x as tf.Tensor4D, w as tf.Tensor4D, dilation, pad);
        return tf.sum(tf.mul(y, weightOf(y)));
      };
      const x = tf.tensor4d(xv, shape);
      const w = tf.tensor4d(wv, wShape);
      const y =
        dilation === 1
          ? tf.conv2d(x, w, stride, pad === 0 ? 'valid' : [[0, 0], [pad, pad], [pad, pad], [0, 0]])
          : spaceToBatchConv(x, w, dilation, pad);
      return [y, ...tf.grads(f)([x, w])];
    };
    const got = await onBackend('wasm', withOps);
    const ref = await onBackend('cpu', reference);
    ['y', 'dx', 'dw'].forEach((name, i) => {
      const err = relL2(got[i], ref[i]);
      assert.ok(err < REL_TOL, `seed ${seed}: x=${shape} w=${wShape} ${JSON.stringify(opts)}: ${name} rel L2 error ${err}`);
    });
  }
});

test('ops.conv2d rejects stride and dilation both above 1', async () => {
  await onBackend('wasm', () => tf.zeros([1]));
  assert.throws(() => conv2d(tf.zeros([1, 8, 8, 1]), tf.zeros([3, 3, 1, 1]), { stride: 2, dilation: 2 }), /stride 2 with dilation 2/);
});
