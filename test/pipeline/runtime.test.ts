import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildDataset } from '../../src/data/registry';
import { initBackend } from '../../src/engine/backend';
import { evaluateDataset } from '../../src/eval/evaluate';
import { buildSegmentor } from '../../src/model/build';
import { isOnnxCacheFile } from '../../src/model/onnx_cache';
import { modelPreset } from '../../src/model/presets';
import { saveWeights } from '../../src/model/serialization';
import { createCrfRunner } from '../../src/pipeline/crf_runner';
import { scorePredictor } from '../../src/pipeline/predictor';
import { openNetwork, resolveRuntime } from '../../src/pipeline/runtime';
import { resolveCrfSettings } from '../../src/crf/settings';
import { SIX_CANDIDATES } from '../../src/ensemble/candidates';

before(async () => {
  await initBackend('cpu');
});

const config = (K: number) => modelPreset('bench-vgg', { numClasses: K, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } });

test('the ONNX file of a checkpoint is built once, cached beside it, and rebuilt when the weights change', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-runtime-'));
  try {
    const model = buildSegmentor(config(3), 1);
    await saveWeights(dir, model);
    const a = await openNetwork(model, dir, { runtime: 'onnx', onnxThreads: 1 });
    assert.equal(a.runtime, 'onnx');
    await a.release();
    const first = fs.readdirSync(dir).filter(isOnnxCacheFile);
    assert.equal(first.length, 1, 'one cached ONNX file');
    const stamp = fs.statSync(path.join(dir, first[0])).mtimeMs;
    await (await openNetwork(model, dir, { runtime: 'onnx', onnxThreads: 1 })).release();
    assert.equal(fs.statSync(path.join(dir, first[0])).mtimeMs, stamp, 'reused, not rewritten');
    // Other weights in the same folder: a new file, the stale one removed.
    const other = buildSegmentor(config(3), 2);
    await saveWeights(dir, other);
    await (await openNetwork(other, dir, { runtime: 'onnx', onnxThreads: 1 })).release();
    const second = fs.readdirSync(dir).filter(isOnnxCacheFile);
    assert.equal(second.length, 1);
    assert.notEqual(second[0], first[0]);
    model.dispose();
    other.dispose();
    assert.equal(resolveRuntime('tfjs'), 'tfjs');
    assert.equal(resolveRuntime('auto'), 'onnx', 'onnxruntime-node is a dependency, so auto picks it');
    assert.throws(() => resolveRuntime('gpu' as never), /unknown runtime "gpu"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('eval mIoU of the same checkpoint on ONNX Runtime and tfjs agrees within 0.05 points (6 candidates, CRF with λ > 0)', async () => {
  const dataset = buildDataset({ type: 'context', trainSplit: 'train', valSplit: 'val', context: { seed: 5, trainSize: 2, valSize: 6, height: 40, width: 48, noise: 10 } }, 'val');
  const K = dataset.classes.length;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-runtime-'));
  const model = buildSegmentor(config(K), 4);
  const runner = await createCrfRunner(1);
  try {
    await saveWeights(dir, model);
    const pipeline = { ensemble: SIX_CANDIDATES, crf: resolveCrfSettings({ w: 3, lambda: 1, r: 2, T: 3 }) };
    const mIoU: Record<string, number> = {};
    for (const runtime of ['onnx', 'tfjs'] as const) {
      const network = await openNetwork(model, dir, { runtime, onnxThreads: 1 });
      mIoU[runtime] = (await evaluateDataset(dataset, scorePredictor(network, pipeline, { crfRunner: runner }), { numClasses: K })).metrics.mIoU;
      await network.release();
    }
    assert.ok(mIoU.tfjs > 0, 'a non-trivial figure');
    assert.ok(Math.abs(mIoU.onnx - mIoU.tfjs) <= 0.0005, `mIoU onnx ${mIoU.onnx} vs tfjs ${mIoU.tfjs}`);
  } finally {
    await runner.close();
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
