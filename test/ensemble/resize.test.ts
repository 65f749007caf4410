import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resizeRgbBilinear } from '../../src/ensemble/resize';
import { scaledSize } from '../../src/ensemble/candidates';
import { Rng } from '../../src/util/rng';

test('resizeRgbBilinear equals tf.image.resizeBilinear (no corner alignment, no half-pixel centres) up and down', async () => {
  await tf.setBackend('cpu');
  const rng = new Rng(3);
  for (const [H, W, scale] of [[17, 23, 2], [36, 48, 1.5], [36, 48, 0.8], [9, 5, 1.2], [40, 31, 0.5], [7, 7, 1]]) {
    const image = Uint8Array.from({ length: H * W * 3 }, () => rng.int(256));
    const [h, w] = scaledSize(H, W, scale);
    const want = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(image, [1, H, W, 3], 'float32'), [h, w]).dataSync());
    const got = resizeRgbBilinear(image, H, W, h, w);
    let err = 0;
    for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
    assert.ok(err < 1e-3, `${H}x${W} ×${scale}: max difference ${err}`);
  }
});
