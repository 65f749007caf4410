/**
 * The TFLite reader on the published MobileNetV2 files: tensors, operators
 * and options, per-tensor (uint8) and per-channel (int8) dequantization
 * checked against the affine formula by hand, and clear errors naming the
 * file for files that are not TFLite, truncated or empty.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readTflite, tensorValues, TFLITE_ACTIVATION } from '../../src/weights/tflite';
import { sharedWeights } from './helpers';

test('reads the uint8 MobileNetV2: 174 tensors, 66 operators in order, options and input quantization', () => {
  const file = sharedWeights('mobilenet_v2_1.0_224_quant.tflite');
  const m = readTflite(fs.readFileSync(file), file);
  assert.equal(m.tensors.length, 174);
  assert.equal(m.operators.length, 66);
  assert.deepEqual(m.operators.slice(0, 3).map((o) => o.op), ['CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D']);
  assert.equal(m.operators[65].op, 'SOFTMAX');
  assert.deepEqual(m.operators[0].options, { padding: 0, strideW: 2, strideH: 2, activation: TFLITE_ACTIVATION.relu6, dilationW: 1, dilationH: 1 });
  const input = m.tensors[m.inputs[0]];
  assert.deepEqual(input.shape, [1, 224, 224, 3]);
  assert.equal(input.type, 'uint8');
  assert.equal(input.quantization?.zeroPoint[0], 128);
  assert.equal(input.quantization?.scale[0], 1 / 128);
});

test('dequantizes per tensor (uint8 weights, int32 biases) and per channel (int8) by real = scale·(q − zeroPoint)', () => {
  const coral = sharedWeights('mobilenet_v2_1.0_224_quant.tflite');
  const m = readTflite(fs.readFileSync(coral), coral);
  const weight = m.tensors[m.operators[0].inputs[1]];
  const q = weight.quantization!;
  assert.equal(q.scale.length, 1);
  const values = tensorValues(m, weight);
  assert.equal(values.length, 32 * 3 * 3 * 3);
  for (const i of [0, 17, 863]) assert.ok(Math.abs(values[i] - q.scale[0] * (weight.data![i] - q.zeroPoint[0])) < 1e-7);
  const bias = m.tensors[m.operators[0].inputs[2]];
  const raw = new DataView(bias.data!.buffer, bias.data!.byteOffset).getInt32(4 * 5, true);
  assert.ok(Math.abs(tensorValues(m, bias)[5] - bias.quantization!.scale[0] * raw) < 1e-6);

  const ptq = sharedWeights('tf2_mobilenet_v2_1.0_224_ptq.tflite');
  const p = readTflite(fs.readFileSync(ptq), ptq);
  const conv = p.operators.find((o) => o.op === 'CONV_2D')!;
  const w = p.tensors[conv.inputs[1]];
  const pq = w.quantization!;
  assert.equal(pq.scale.length, w.shape[0], 'one scale per output channel');
  const pv = tensorValues(p, w);
  const inner = w.shape.slice(1).reduce((a, b) => a * b, 1);
  for (const i of [0, inner + 3, 5 * inner + 7]) {
    const c = Math.floor(i / inner);
    const qv = new Int8Array(w.data!.buffer, w.data!.byteOffset, w.data!.length)[i];
    assert.ok(Math.abs(pv[i] - pq.scale[c] * (qv - pq.zeroPoint[c])) < 1e-7);
  }
});

test('a file that is not TFLite, a truncated one and an empty one are errors naming the file', () => {
  const file = sharedWeights('mobilenet_v2_1.0_224_quant.tflite');
  const bytes = fs.readFileSync(file);
  assert.throws(() => readTflite(new Uint8Array(0), 'empty.tflite'), /empty\.tflite: not a TFLite model/);
  assert.throws(() => readTflite(new TextEncoder().encode('{"modelTopology": {}}'), 'model.json'), /model\.json: not a TFLite model/);
  assert.throws(() => {
    const cut = readTflite(bytes.subarray(0, bytes.length >> 1), 'cut.tflite');
    // The tables may parse; the weight buffers past the cut must not.
    for (const t of cut.tensors) if (t.data) tensorValues(cut, t);
  }, /cut\.tflite/);
});
