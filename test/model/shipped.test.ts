/**
 * The shipped CamVid model: what `load()` gives with no checkpoint is the
 * committed folder (size, classes, provenance, licence beside it), and it
 * segments real CamVid val images about as well as its recorded evaluation
 * says (bounds set a few points under the figures measured on these images).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from '../../src/api';
import { buildDataset } from '../../src/data/registry';
import { ConfusionMatrix } from '../../src/eval/confusion';
import { computeMetrics } from '../../src/eval/metrics';
import { shippedModelDir } from '../../src/model/shipped';
import { defaultCamvidRoot } from '../../src/data/datasets/camvid';

const CAMVID_CLASSES = ['sky', 'building', 'pole', 'road', 'pavement', 'tree', 'sign/symbol', 'fence', 'car', 'pedestrian', 'bicyclist'];

test('the shipped model folder: float16 weights under 15 MB, CamVid classes, fitted settings, provenance and licence', () => {
  const dir = shippedModelDir();
  const bytes = fs.statSync(path.join(dir, 'weights.bin')).size;
  assert.ok(bytes < 15e6, `weights.bin is ${bytes} bytes`);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const meta = json.userDefinedMetadata;
  assert.deepEqual(meta.classes, CAMVID_CLASSES);
  assert.equal(meta.palette.length, CAMVID_CLASSES.length);
  assert.equal(meta.provenance.weightsDtype, 'float16');
  assert.match(meta.provenance.startedFrom.licence, /Apache-2.0/);
  assert.ok(meta.provenance.trainingConfig?.model, 'the training config is recorded');
  assert.ok(meta.provenance.evaluation.metrics.mIoU > 0.6, 'the recorded evaluation is the one the README quotes');
  assert.equal(meta.crfFit.combine, 'learned', 'the stored CRF is fitted on the learned combination it follows');
  assert.ok(fs.existsSync(path.join(dir, 'LICENSE-pretrained-weights.txt')));
  assert.ok(fs.existsSync(path.join(dir, 'NOTICE.md')));
});

test('load() with no checkpoint segments CamVid val images with the shipped model', async (t) => {
  const root = defaultCamvidRoot();
  if (!fs.existsSync(path.join(root, 'val.txt'))) return t.skip(`no CamVid at ${root}`);
  const dataset = buildDataset({ type: 'camvid', root, trainSplit: 'train', valSplit: 'val' }, 'val');
  const segmenter = await load(undefined, { threads: 1 });
  try {
    assert.deepEqual(segmenter.classes, CAMVID_CLASSES);
    assert.equal(segmenter.stored.testScale, 2);
    const confusion = new ConfusionMatrix(CAMVID_CLASSES.length);
    for (const i of [0, 50, 100]) {
      const s = await dataset.get(i);
      const r = await segmenter.segment({ data: s.image, width: s.width, height: s.height });
      assert.equal(r.labels.length, s.width * s.height);
      assert.equal(r.globalScores?.length, CAMVID_CLASSES.length, 'a joint model: global scores per class');
      confusion.update(r.labels, s.label);
    }
    const m = computeMetrics(confusion, CAMVID_CLASSES);
    // Measured on these 3 images (single candidate at scale 2, stored CRF): mIoU 78.65 %, pixel accuracy 95.83 %.
    assert.ok(m.pixelAccuracy > 0.94, `pixel accuracy ${m.pixelAccuracy}`);
    assert.ok(m.mIoU > 0.75, `mIoU ${m.mIoU}`);
  } finally {
    segmenter.dispose();
  }
});
