/**
 * The DeepLab MobileNet-EdgeTPU Cityscapes file imported into the
 * `mobilenet-edgetpu` backbone and `aspp-lite` head: on the published sample
 * image its scores equal those of the file's own operator graph run in float
 * (an independent reference), and its labels agree with the published
 * expected mask as closely as that reference does. `denseHead.classMap`
 * builds the output layer from the published classes; a head, width, class
 * map or file that does not fit is an error naming the field or file, before
 * anything is assigned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { readImage, readLabel } from '../../src/data/image_io';
import { buildSegmentor } from '../../src/model/build';
import { ModelOverrides, modelPreset } from '../../src/model/presets';
import { loadPretrained } from '../../src/weights/pretrained';
import { readTflite } from '../../src/weights/tflite';
import { sharedWeights } from './helpers';
import { runTfliteReference } from './tflite_reference';

const CITYSCAPES = () => sharedWeights('deeplab_mobilenet_edgetpu_slim_cityscapes_quant.tflite');
const IDENTITY = Array.from({ length: 19 }, (_, i) => [i]);
/** CamVid classes from Cityscapes train ids (as configs/camvid_edgetpu_*.json). */
const CAMVID_MAP = [[10], [2, 3], [5], [0], [1], [8, 9], [7, 6], [4], [13, 14, 15], [11], [12, 18]];

function cityscapesModel(overrides: ModelOverrides = {}) {
  return buildSegmentor(
    modelPreset('edgetpu-aspp', {
      variant: 'baseline',
      numClasses: 19,
      backbone: { pretrained: CITYSCAPES() },
      denseHead: { pretrained: true, classMap: IDENTITY },
      ...overrides,
    }),
  );
}

/** Share of pixels (outside 255) where `labels` equals `mask`. */
function agreement(labels: ArrayLike<number>, mask: ArrayLike<number>): number {
  let same = 0;
  let counted = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 255) continue;
    counted++;
    if (labels[i] === mask[i]) same++;
  }
  return same / counted;
}

test('the Cityscapes DeepLab as imported gives the scores of its own graph and the expected mask on the sample image', async (t) => {
  await initBackend('wasm');
  const model = cityscapesModel();
  const image = await readImage(sharedWeights('samples', 'cityscapes_segmentation.png'));
  const mask = await readLabel(sharedWeights('samples', 'cityscapes_segmentation_mask.png'));
  const file = readTflite(new Uint8Array(fs.readFileSync(CITYSCAPES())), CITYSCAPES());
  try {
    loadPretrained(model, model.config);
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(Float32Array.from(image.data), [1, image.height, image.width, 3]);
    const ours = tf.tidy(() => model.unary(model.forward(x, { training: false }), image.height, image.width));
    const reference = runTfliteReference(file, x);
    const relL2 = tf.tidy(() => tf.div(tf.norm(tf.sub(ours, reference)), tf.norm(reference)).dataSync()[0]);
    assert.ok(relL2 < 1e-4, `scores differ from the file's graph: rel L2 ${relL2}`);
    const ourLabels = tf.tidy(() => tf.argMax(ours, 3).dataSync());
    const referenceLabels = tf.tidy(() => tf.argMax(reference, 3).dataSync());
    const ourAgreement = agreement(ourLabels, mask.data);
    // Measured 91.9 %, the same as the file's own graph: the mask is not an exact float output of this file.
    assert.ok(ourAgreement > 0.915, `agreement with the expected mask ${(100 * ourAgreement).toFixed(2)} %`);
    const referenceAgreement = agreement(referenceLabels, mask.data);
    t.diagnostic(`rel L2 to the file's graph ${relL2.toExponential(2)}; expected-mask agreement ${(100 * ourAgreement).toFixed(2)} % (graph: ${(100 * referenceAgreement).toFixed(2)} %)`);
    assert.ok(Math.abs(ourAgreement - referenceAgreement) < 0.001);
    tf.dispose([x, ours, reference]);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
});

test('denseHead.classMap builds each output row as the average of the published classes it lists', async () => {
  await initBackend('wasm');
  const published = cityscapesModel();
  const camvid = cityscapesModel({ numClasses: 11, denseHead: { pretrained: true, classMap: CAMVID_MAP } });
  try {
    loadPretrained(published, published.config);
    loadPretrained(camvid, camvid.config);
    const get = (m: typeof camvid, name: string) => new Map(m.denseHead.namedTrainableVariables()).get(name)!.dataSync();
    const [w19, b19, w11, b11] = [get(published, 'logits.weight'), get(published, 'logits.bias'), get(camvid, 'logits.weight'), get(camvid, 'logits.bias')];
    CAMVID_MAP.forEach((ids, l) => {
      const mean = (values: ArrayLike<number>, row: number, stride: number) => ids.reduce((s, id) => s + values[row * stride + id], 0) / ids.length;
      assert.ok(Math.abs(b11[l] - mean(b19, 0, 19)) < 1e-6, `bias ${l}`);
      for (let i = 0; i < 128; i++) assert.ok(Math.abs(w11[i * 11 + l] - mean(w19, i, 19)) < 1e-6, `weight ${i}, class ${l}`);
    });
    assert.deepEqual(get(camvid, 'aspp0.weight'), get(published, 'aspp0.weight'));
  } finally {
    published.dispose();
    camvid.dispose();
  }
});

test('a head, width, class map or file that does not fit is an error naming it, and nothing is assigned', async () => {
  await initBackend('wasm');
  const cases: Array<[ModelOverrides, RegExp]> = [
    [{ backbone: { pretrained: sharedWeights('mobilenet_v2_1.0_224_quant.tflite') } }, /mobilenet_v2_1\.0_224_quant\.tflite: .*convolutions.*not a DeepLab MobileNet-EdgeTPU file/],
    [{ denseHead: { type: 'largefov', channels: 128, pretrained: true } }, /model\.denseHead\.type: .*cityscapes_quant\.tflite holds a "aspp-lite" head, the config says "largefov"/],
    [{ denseHead: { pretrained: true, channels: 64 } }, /model\.denseHead\.channels: the head in .* has 128, the config says 64/],
    [{ denseHead: { pretrained: true, classMap: [[0], [1], [2]] } }, /model\.denseHead\.classMap: 3 entries, model\.numClasses is 19/],
    [{ numClasses: 2, denseHead: { pretrained: true, classMap: [[0], [19]] } }, /model\.denseHead\.classMap\[1\]: class 19, .* has 19 classes/],
  ];
  for (const [overrides, message] of cases) {
    const model = cityscapesModel(overrides);
    const snapshot = () => model.namedTrainableVariables().map(([, v]) => v.dataSync().slice());
    const before = snapshot();
    try {
      assert.throws(() => loadPretrained(model, model.config), message);
      snapshot().forEach((values, i) => assert.deepEqual(values, before[i], `variable ${i} changed`));
    } finally {
      model.dispose();
    }
  }
  const mobilenet = buildSegmentor(
    modelPreset('mobilenetv2-largefov', { denseHead: { channels: 8, pretrained: true }, clsHead: { hidden: 8 }, backbone: { pretrained: sharedWeights('mobilenet_v2_1.0_224_quant.tflite') } }),
  );
  const noFile = buildSegmentor(modelPreset('edgetpu-aspp', { denseHead: { channels: 8, pretrained: true }, clsHead: { hidden: 8 } }));
  try {
    assert.throws(() => loadPretrained(mobilenet, mobilenet.config), /model\.denseHead\.pretrained: .*mobilenet_v2_1\.0_224_quant\.tflite holds no dense head/);
    assert.throws(() => loadPretrained(noFile, noFile.config), /model\.denseHead\.pretrained: needs model\.backbone\.pretrained/);
  } finally {
    mobilenet.dispose();
    noFile.dispose();
  }
});
