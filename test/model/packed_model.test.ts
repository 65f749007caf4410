/**
 * Shipped (packed) models: float16 and uint8 weights load back through the
 * ordinary checkpoint reader within the storage type's rounding, the
 * topology loses the local pretrained path, metadata is kept; floatToHalf
 * rounds like IEEE half (checked against tfjs's own float16 decoder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { encodePackedTensors, floatToHalf } from '../../src/model/checkpoint_io';
import { modelPreset } from '../../src/model/presets';
import { loadCheckpoint, readModelJson, savePackedModel } from '../../src/model/serialization';

test('float16 and uint8 packed models load back within rounding, without the pretrained initialization, with their metadata', async () => {
  await initBackend('cpu');
  const config = modelPreset('mobilenetv2-largefov', {
    backbone: { width: 0.25, pretrained: '/somewhere/local/mnv2.tflite' },
    denseHead: { channels: 8, pretrained: true, classMap: Array.from({ length: 11 }, () => [0]) },
    clsHead: { hidden: 8 },
  });
  const model = buildSegmentor(config, 4);
  const classes = Array.from({ length: 11 }, (_, i) => `c${i}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-pack-'));
  try {
    for (const dtype of ['float16', 'uint8'] as const) {
      const out = path.join(dir, dtype);
      await savePackedModel(out, model, dtype, { classes, provenance: { note: dtype } });
      const json = await readModelJson(out);
      assert.equal((json.modelTopology.backbone as { pretrained?: string }).pretrained, undefined);
      assert.equal(json.modelTopology.denseHead.pretrained, false);
      assert.equal(json.modelTopology.denseHead.classMap, undefined);
      const loaded = await loadCheckpoint(out);
      assert.deepEqual(loaded.metadata, { classes, provenance: { note: dtype } });
      const stored = new Map(loaded.model.namedVariables());
      for (const [name, v] of model.namedVariables()) {
        const a = v.dataSync();
        const b = stored.get(name)!.dataSync();
        const range = Math.max(...a) - Math.min(...a);
        for (let i = 0; i < a.length; i++) {
          const tol = dtype === 'float16' ? Math.abs(a[i]) * 2 ** -11 + 6e-8 : range / 510 + 1e-7;
          assert.ok(Math.abs(a[i] - b[i]) <= tol, `${dtype} ${name}[${i}]: ${a[i]} vs ${b[i]}`);
        }
      }
      loaded.model.dispose();
      const bytes = fs.statSync(path.join(out, 'weights.bin')).size;
      assert.equal(bytes, model.namedVariables().reduce((n, [, v]) => n + v.size, 0) * (dtype === 'float16' ? 2 : 1));
    }
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('floatToHalf agrees with the tfjs float16 decoder on normals, subnormals, ties, overflow and signs', () => {
  const values = [0, -0, 1, -2.5, 65504, 70000, 1e-5, 6e-8, 2 ** -24, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, -123.456, Infinity, -Infinity];
  const t = tf.tensor1d(values);
  const { data, specs } = encodePackedTensors([['v', t]], 'float16');
  const decoded = tf.io.decodeWeights(data.buffer as ArrayBuffer, specs).v.dataSync();
  values.forEach((v, i) => {
    const h = floatToHalf(v);
    const f = decoded[i];
    if (!Number.isFinite(v) || Math.abs(v) > 65520) assert.equal(f, v > 0 ? Infinity : -Infinity, `${v}`);
    else assert.ok(Math.abs(f - v) <= Math.max(Math.abs(v) * 2 ** -11, 2 ** -25), `${v} → ${f} (0x${h.toString(16)})`);
  });
  assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00, 'a tie rounds to even (down)');
  assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02, 'a tie rounds to even (up)');
  t.dispose();
});
