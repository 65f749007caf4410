/**
 * Input gradient: the wasm `Conv2DBackpropInput` kernel against the cpu
 * backend's, and the op-level implementation (any dilation) against a float64
 * brute force, on fresh random shapes. Accuracy: relative L2 error
 * ‖got − ref‖₂/‖ref‖₂ < 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/util/rng';
import { conv2dBackpropInputImpl } from '../../../src/engine/kernels/conv2d_backprop_input';
import { REL_TOL, bruteConv, expectWasmKernelMatchesCpu, caseData, describeCase, freshSeed, onBackend, randomCase, relL2 } from '../helpers';

test('wasm Conv2DBackpropInput matches the cpu kernel (dilation 1)', async () => {
  await expectWasmKernelMatchesCpu('Conv2DBackpropInput', 40, (c, d) => ({
    inputs: { dy: tf.tensor4d(d.dy, d.dyShape), filter: tf.tensor4d(d.w, c.w) },
    attrs: { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
  }));
});

test('input gradient, every dilation, matches a float64 brute force', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < 60; n++) {
    const c = randomCase(rng);
    const d = caseData(rng, c);
    const ref = bruteConv(c, d.x, d.w, d.dy).dx;
    const [got] = await onBackend('wasm', () =>
      conv2dBackpropInputImpl(c.x, tf.tensor4d(d.dy, d.dyShape), tf.tensor4d(d.w, c.w), c.stride, c.dilation, c.pad),
    );
    const err = relL2(got, ref);
    assert.ok(err < REL_TOL, `seed ${seed}: ${describeCase(c)}: rel L2 error ${err}`);
  }
});

test('input gradient leaves no tensors behind', async () => {
  const rng = new Rng(freshSeed());
  const c = randomCase(rng, { pads: ['same'] });
  const d = caseData(rng, c);
  await onBackend('wasm', () => tf.zeros([1]));
  const dy = tf.tensor4d(d.dy, d.dyShape);
  const w = tf.tensor4d(d.w, c.w);
  const before = tf.memory().numTensors;
  conv2dBackpropInputImpl(c.x, dy, w, c.stride, c.dilation, c.pad).dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([dy, w]);
});
