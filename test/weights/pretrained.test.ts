/**
 * `model.backbone.pretrained`: the published file loads into a segmentor's
 * backbone exactly; a wrong file kind, another network, a missing file, a
 * width or normalization that does not fit are errors naming the file or
 * field, and nothing is half-loaded; a relative path in a config file is
 * taken relative to that file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { loadConfig } from '../../src/cli/config_file';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { assignWeights } from '../../src/weights/named_weights';
import { loadPretrained } from '../../src/weights/pretrained';
import { sharedWeights } from './helpers';

const CORAL = () => sharedWeights('mobilenet_v2_1.0_224_quant.tflite');
const small = { denseHead: { channels: 8 }, clsHead: { hidden: 8 } };

test('the MobileNetV2 file loads into the backbone of a segmentor, every variable from its tensor', async () => {
  await initBackend('wasm');
  const model = buildSegmentor(modelPreset('mobilenetv2-largefov', { ...small, backbone: { pretrained: CORAL() } }));
  try {
    const imported = loadPretrained(model, model.config)!;
    assert.equal(imported.backbone.size, model.backbone.namedTrainableVariables().length);
    for (const [name, variable] of model.backbone.namedTrainableVariables()) {
      assert.deepEqual(variable.dataSync(), imported.backbone.get(name)!.values, name);
    }
  } finally {
    model.dispose();
  }
});

test('wrong files, widths and normalizations are errors naming the file or field, before anything is assigned', async () => {
  await initBackend('wasm');
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ backbone: { pretrained: '/nonexistent/mnv2.tflite' } }, /cannot read pretrained weights \/nonexistent\/mnv2\.tflite/],
    [{ backbone: { pretrained: sharedWeights('imagenet_labels.txt') } }, /imagenet_labels\.txt: not a TFLite model/],
    [{ backbone: { pretrained: sharedWeights('deeplabv3_mnv2_pascal_quant.tflite') } }, /deeplabv3_mnv2_pascal_quant\.tflite: .*(convolutions|not a MobileNetV2)/],
    [{ backbone: { pretrained: CORAL(), width: 0.5 } }, /model\.backbone\.width/],
    [{ backbone: { pretrained: CORAL() }, normalize: { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] } }, /model\.normalize: .*mobilenet_v2_1\.0_224_quant\.tflite was trained on \(x - \[128, 128, 128\]\)/],
  ];
  for (const [overrides, message] of cases) {
    const model = buildSegmentor(modelPreset('mobilenetv2-largefov', { ...small, ...overrides }));
    const before = model.backbone.namedTrainableVariables().map(([, v]) => v.dataSync().slice());
    try {
      assert.throws(() => loadPretrained(model, model.config), message);
      model.backbone.namedTrainableVariables().forEach(([name, v], i) => assert.deepEqual(v.dataSync(), before[i], `${name} changed`));
    } finally {
      model.dispose();
    }
  }
  const darknet = buildSegmentor(modelPreset('mobilenetv2-largefov', { ...small, backbone: { type: 'darknet-tiny', pretrained: CORAL() }, normalize: { mean: [0, 0, 0], std: [255, 255, 255] } }));
  try {
    assert.throws(() => loadPretrained(darknet, darknet.config), /mobilenet_v2_1\.0_224_quant\.tflite.*model\.json|not a (readable )?tfjs layers model/);
  } finally {
    darknet.dispose();
  }
});

test('assignWeights names a missing tensor or a shape mismatch and assigns nothing', async () => {
  await initBackend('cpu');
  const model = buildSegmentor(modelPreset('mobilenetv2-largefov', { ...small, backbone: { width: 0.25 } }));
  try {
    const vars = model.backbone.namedTrainableVariables();
    const full = new Map(vars.map(([name, v]) => [name, { shape: v.shape, values: new Float32Array(v.size).fill(7), source: `t:${name}` }]));
    const wrong = new Map(full);
    wrong.set('block3.project.weight', { shape: [1, 1, 3, 3], values: new Float32Array(9), source: 'the odd one' });
    assert.throws(() => assignWeights(model.backbone, wrong, 'f.bin'), /f\.bin: tensor "the odd one" has shape \[1, 1, 3, 3\], backbone variable "block3\.project\.weight" needs/);
    const missing = new Map(full);
    missing.delete('stem.bias');
    assert.throws(() => assignWeights(model.backbone, missing, 'f.bin'), /f\.bin: no weight for backbone variable "stem\.bias"/);
    assert.ok(vars.every(([, v]) => v.dataSync()[0] !== 7), 'nothing assigned');
    assignWeights(model.backbone, full, 'f.bin');
    assert.ok(vars.every(([, v]) => tf.all(tf.equal(v, 7)).dataSync()[0] === 1));
  } finally {
    model.dispose();
  }
});

test('a relative model.backbone.pretrained in a config file is resolved against the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-pre-'));
  const file = path.join(dir, 'c.json');
  fs.writeFileSync(file, JSON.stringify({
    model: { preset: 'mobilenetv2-largefov', backbone: { type: 'mobilenetv2', pretrained: 'w/m.tflite' } },
    data: { type: 'context' },
    train: { iterations: 1 },
  }));
  const config = loadConfig(file);
  assert.equal((config.model.backbone as { pretrained?: string }).pretrained, path.join(dir, 'w', 'm.tflite'));
  fs.rmSync(dir, { recursive: true });
});
