/**
 * Filter gradient: the wasm `Conv2DBackpropFilter` kernel against the cpu
 * backend's, and every method of the op-level implementation (any dilation)
 * against a float64 brute force, on fresh random shapes. Accuracy: relative
 * L2 error ‖got − ref‖₂/‖ref‖₂ < 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/util/rng';
import { conv2dBackpropFilterImpl, FilterGradMethod } from '../../../src/engine/kernels/conv2d_backprop_filter';
import { REL_TOL, bruteConv, expectWasmKernelMatchesCpu, caseData, describeCase, freshSeed, onBackend, randomCase, relL2 } from '../helpers';

test('wasm Conv2DBackpropFilter matches the cpu kernel (dilation 1)', async () => {
  await expectWasmKernelMatchesCpu('Conv2DBackpropFilter', 40, (c, d) => ({
    inputs: { x: tf.tensor4d(d.x, c.x), dy: tf.tensor4d(d.dy, d.dyShape) },
    attrs: { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.w },
  }));
});

test('filter gradient, every method and dilation, matches a float64 brute force', async () => {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < 60; n++) {
    const c = randomCase(rng);
    const d = caseData(rng, c);
    const ref = bruteConv(c, d.x, d.w, d.dy).dw;
    const methods: FilterGradMethod[] = c.stride === 1 ? ['auto', 'windows', 'boxes'] : ['auto', 'windows'];
    for (const method of methods) {
      const [got] = await onBackend('wasm', () =>
        conv2dBackpropFilterImpl(tf.tensor4d(d.x, c.x), tf.tensor4d(d.dy, d.dyShape), c.w, c.stride, c.dilation, c.pad, undefined, method),
      );
      const err = relL2(got, ref);
      assert.ok(err < REL_TOL, `seed ${seed}: ${describeCase(c)} method ${method}: rel L2 error ${err}`);
    }
  }
});

test('filter gradient leaves no tensors behind', async () => {
  const rng = new Rng(freshSeed());
  const c = randomCase(rng, { pads: ['same'] });
  const d = caseData(rng, c);
  await onBackend('wasm', () => tf.zeros([1]));
  const x = tf.tensor4d(d.x, c.x);
  const dy = tf.tensor4d(d.dy, d.dyShape);
  const before = tf.memory().numTensors;
  for (const method of ['windows', 'boxes', 'auto'] as FilterGradMethod[]) {
    if (method === 'boxes' && c.stride > 1) continue;
    conv2dBackpropFilterImpl(x, dy, c.w, c.stride, c.dilation, c.pad, undefined, method).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, dy]);
});
