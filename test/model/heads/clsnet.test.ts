import { test } from 'node:test';
import assert from 'node:assert/strict';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { buildSegmentor } from '../../../src/model/build';
import { modelPreset } from '../../../src/model/presets';

test('a clsNet too large to allocate (clsHead.poolSize 1000) is refused with the fields to lower, before any weight is drawn', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  assert.throws(
    () => buildSegmentor(modelPreset('bench-vgg', { numClasses: 3, backbone: { width: 0.0625 }, denseHead: { channels: 8 }, clsHead: { hidden: 16, poolSize: 1000 } })),
    /clsHead\.poolSize 1000 with 32 backbone channels and clsHead\.hidden 16: fc1 would hold 512 M weights \(limit 268 M\); lower clsHead\.poolSize or clsHead\.hidden/,
  );
  assert.ok(tf.memory().numTensors - before < 40, 'only the backbone built before the check');
});
