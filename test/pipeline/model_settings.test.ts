import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CRF_SETTINGS } from '../../src/crf/settings';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { loadCheckpoint, saveWeights } from '../../src/model/serialization';
import { inferenceSettingsFromMetadata } from '../../src/pipeline/model_settings';
import { updateCheckpointMetadata } from '../../src/model/serialization';
import { resolvePipeline } from '../../src/pipeline/resolve';

const L = 3;
let tmp = '';

before(async () => {
  await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-settings-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const weights6 = (v: number) => Array.from({ length: 6 * L }, (_, i) => v + i);

test('updateCheckpointMetadata stores settings, keeps weights, other metadata and extra files', async () => {
  const model = buildSegmentor(
    modelPreset('bench-vgg', { numClasses: L, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }),
    1,
  );
  const dir = path.join(tmp, 'ckpt');
  await saveWeights(dir, model, { classes: ['a', 'b', 'c'], iteration: 7 });
  fs.writeFileSync(path.join(dir, 'extra.bin'), 'kept');
  const before = fs.readFileSync(path.join(dir, 'weights.bin'));
  const crf = { ...DEFAULT_CRF_SETTINGS, w: 2, lambda: 0.5 };
  await updateCheckpointMetadata(dir, { crf, crfFit: { potts: { ...crf, lambda: 0 } } });
  await updateCheckpointMetadata(dir, { combineWeights: { scales: [1.2, 1, 0.8], flip: true, numClasses: L, weights: weights6(0) } });
  await updateCheckpointMetadata(dir, { iteration: undefined });
  assert.deepEqual(fs.readFileSync(path.join(dir, 'weights.bin')), before);
  assert.equal(fs.readFileSync(path.join(dir, 'extra.bin'), 'utf8'), 'kept');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['extra.bin', 'model.json', 'weights.bin'], 'no temporary file left');
  const loaded = await loadCheckpoint(dir);
  assert.deepEqual(loaded.metadata!.classes, ['a', 'b', 'c']);
  assert.equal(loaded.metadata!.iteration, undefined, 'a key set to undefined is removed');
  const stored = inferenceSettingsFromMetadata(loaded.metadata, L);
  assert.deepEqual(stored.crf, crf);
  assert.equal(stored.crfPotts!.lambda, 0);
  assert.equal(stored.crfCombine, 'avg', 'a CRF without a combine record was fitted on averaged candidates');
  assert.deepEqual(stored.combineWeights!.weights, weights6(0));
  const a = model.namedVariables();
  const b = loaded.model.namedVariables();
  for (let i = 0; i < a.length; i++) assert.deepEqual(Array.from(a[i][1].dataSync()), Array.from(b[i][1].dataSync()), a[i][0]);
  model.dispose();
  loaded.model.dispose();
});

test('inferenceSettingsFromMetadata names the bad field', () => {
  assert.deepEqual(inferenceSettingsFromMetadata(undefined, L), {});
  assert.throws(() => inferenceSettingsFromMetadata({ crf: { w: -1 } }, L, 'x/model.json'), /x\/model.json userDefinedMetadata.crf.w/);
  assert.throws(() => inferenceSettingsFromMetadata({ crf: { w: 1, typo: 2 } }, L), /userDefinedMetadata.crf/);
  assert.throws(
    () => inferenceSettingsFromMetadata({ combineWeights: { scales: [1], flip: true, numClasses: L, weights: [1, 2] } }, L),
    /combineWeights.*numClasses values/,
  );
  assert.throws(
    () => inferenceSettingsFromMetadata({ combineWeights: { scales: [1], flip: false, numClasses: 4, weights: [1, 2, 3, 4] } }, L),
    /stored for 4 classes, the model has 3/,
  );
  const crf = { ...DEFAULT_CRF_SETTINGS, w: 2 };
  assert.equal(inferenceSettingsFromMetadata({ crf, crfFit: { combine: 'learned' } }, L).crfCombine, 'learned');
  assert.throws(() => inferenceSettingsFromMetadata({ crf, crfFit: { combine: 'median' } }, L), /userDefinedMetadata.crfFit.combine/);
  const averaged = { settings: crf, potts: null, data: 'camvid/val, first 20 images' };
  assert.deepEqual(inferenceSettingsFromMetadata({ crfAveraged: averaged }, L).crfAveraged, averaged);
  assert.throws(() => inferenceSettingsFromMetadata({ crfAveraged: { settings: crf } }, L), /userDefinedMetadata.crfAveraged/);
});

test('resolvePipeline: stored CRF on by default, --no-crf off, overrides on top; learned takes the stored candidates', () => {
  const crf = { ...DEFAULT_CRF_SETTINGS, w: 2, lambda: 0.5, r: 3 };
  const stored = { crf, combineWeights: { scales: [1.2, 1, 0.8], flip: true, numClasses: L, weights: weights6(0) } };
  assert.equal(resolvePipeline({}, {}).crf, null, 'no stored settings: no CRF');
  assert.deepEqual(resolvePipeline({}, {}).ensemble, { scales: [1], flip: false, combine: 'avg' });
  assert.deepEqual(resolvePipeline({}, stored).crf, crf);
  assert.equal(resolvePipeline({ crf: false }, stored).crf, null);
  assert.deepEqual(resolvePipeline({ crfOverrides: { lambda: 0, T: undefined } }, stored).crf, { ...crf, lambda: 0 });
  assert.deepEqual(resolvePipeline({ crfOverrides: { w: 7 } }, {}).crf, { ...DEFAULT_CRF_SETTINGS, w: 7 }, 'an override turns the CRF on');
  assert.deepEqual(resolvePipeline({ crf: true }, {}).crf, DEFAULT_CRF_SETTINGS);
  assert.throws(() => resolvePipeline({ crfOverrides: { r: 0 } }, stored), /crf\.r/);
  const learned = resolvePipeline({ combine: 'learned' }, stored).ensemble;
  assert.deepEqual(learned.scales, [1.2, 1, 0.8]);
  assert.equal(learned.flip, true);
  assert.deepEqual(Array.from(learned.learnedWeights!), weights6(0));
  assert.throws(() => resolvePipeline({ combine: 'learned', scales: [1] }, stored), /fitted for scales \[1.2, 1, 0.8\] with flip; got scales \[1\]/);
  assert.throws(() => resolvePipeline({ combine: 'learned' }, {}), /learn-combine/);
  assert.deepEqual(resolvePipeline({}, { ...stored, testScale: 2 }).ensemble.scales, [2], 'the stored test scale is the default single candidate');
  assert.deepEqual(resolvePipeline({ scales: [1, 0.5] }, { testScale: 2 }).ensemble.scales, [1, 0.5], 'given scales win');
  assert.deepEqual(resolvePipeline({ combine: 'learned' }, { ...stored, testScale: 2 }).ensemble.scales, [1.2, 1, 0.8], 'learned keeps its candidates');
});

test('inferenceSettingsFromMetadata reads the test scale and names a bad one', () => {
  assert.equal(inferenceSettingsFromMetadata({ testScale: 1.5 }, L).testScale, 1.5);
  assert.equal(inferenceSettingsFromMetadata({}, L).testScale, undefined);
  assert.throws(() => inferenceSettingsFromMetadata({ testScale: -1 }, L, 'm/model.json'), /m\/model\.json userDefinedMetadata\.testScale: /);
  assert.throws(() => inferenceSettingsFromMetadata({ testScale: '2' }, L, 'm/model.json'), /userDefinedMetadata\.testScale/);
});
