import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildDataset } from '../../../src/data/registry';
import { scanDataset } from '../../../src/data/check';
import type { Dataset } from '../../../src/data/types';
import { ADE20K_CLASSES, ADE20K_PALETTE } from '../../../src/data/datasets/ade20k';
import { CITYSCAPES_CLASSES, CITYSCAPES_PALETTE, cityscapesLabelIdMapping } from '../../../src/data/datasets/cityscapes';
import { ade20kFixture, cityscapesFixture, vocFixture, type Fixture } from './fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-layouts-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every pair of `ds` reads as the fixture says: names in order, mapped labels. */
async function assertReads(ds: Dataset, fx: Fixture): Promise<void> {
  assert.equal(ds.length, fx.pairs.length);
  for (let i = 0; i < ds.length; i++) {
    const s = await ds.get(i);
    assert.equal(s.name, fx.pairs[i].name);
    assert.deepEqual(Array.from(s.label), Array.from(fx.pairs[i].label!), `${fx.pairs[i].name}: mapped labels`);
    assert.equal(s.image.length, s.width * s.height * 3);
  }
}

/** A broken split: opening fails on the missing file; deferred, a scan reports each broken pair with its reason. */
async function assertBrokenReported(config: Record<string, unknown> & { type: string }, fx: Fixture): Promise<void> {
  assert.throws(() => buildDataset({ trainSplit: fx.split, valSplit: fx.split, ...config }, fx.split), /not found: .*\.png/);
  const ds = buildDataset({ trainSplit: fx.split, valSplit: fx.split, ...config, deferMissingFiles: true }, fx.split);
  const bad = await scanDataset(ds);
  const expected = fx.pairs.flatMap((p, index) => (p.broken ? [{ index, broken: p.broken }] : []));
  assert.deepEqual(bad.map((b) => b.index), expected.map((e) => e.index));
  for (const [k, b] of bad.entries()) assert.ok(b.message.includes(expected[k].broken), `pair ${b.index}: "${b.message}" says ${expected[k].broken}`);
}

test('cityscapes: 19 classes and colours; label ids map to train ids as the data set defines them', () => {
  assert.equal(CITYSCAPES_CLASSES.length, 19);
  assert.equal(CITYSCAPES_PALETTE.length, 19);
  const t = cityscapesLabelIdMapping().table;
  // road 7, sidewalk 8, building 11, sky 23, person 24, car 26, bicycle 33; unlabeled 0, parking 9, license plate range out.
  assert.deepEqual([7, 8, 11, 23, 24, 26, 33].map((v) => t[v]), [0, 1, 2, 10, 11, 13, 18]);
  assert.deepEqual([0, 1, 9, 14, 29, 30, 255].map((v) => t[v]), [255, 255, 255, 255, 255, 255, 255]);
  assert.equal(t[34], -1);
  // Every train id is reached by exactly one label id.
  const ids = Array.from(t.slice(0, 34)).filter((v) => v !== 255).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: 19 }, (_, i) => i));
});

test('cityscapes layout: leftImg8bit + gtFine labelIds over cities, mapped to train ids; trainIds labels by option', async () => {
  const root = path.join(tmp, 'cityscapes');
  const fx = await cityscapesFixture(root, 'val');
  const ds = buildDataset({ type: 'cityscapes', root, trainSplit: 'train', valSplit: 'val' }, 'val');
  assert.deepEqual(ds.classes, CITYSCAPES_CLASSES);
  await assertReads(ds, fx);
  // Converted train-id labels: same images, labels read as they are.
  const s0 = await ds.get(0);
  const { writeLabelPng } = await import('../../../src/data/image_io');
  const trainIdFile = path.join(root, 'gtFine', 'val', 'aachen', `${fx.pairs[0].name}_gtFine_labelTrainIds.png`);
  await writeLabelPng(trainIdFile, s0.label, s0.width, s0.height, CITYSCAPES_PALETTE);
  fs.rmSync(path.join(root, 'gtFine', 'val', 'aachen', `${fx.pairs[1].name}_gtFine_labelIds.png`));
  assert.throws(() => buildDataset({ type: 'cityscapes', root, trainSplit: 'val', valSplit: 'val', cityscapes: { labels: 'trainIds' } }, 'val'), /label file not found: .*labelTrainIds/);
  assert.throws(() => buildDataset({ type: 'cityscapes', root, trainSplit: 'x', valSplit: 'x' }, 'test'), /cityscapes 'test': folder not found: .*leftImg8bit/);
});

test('cityscapes: a broken split reports the missing label, the size mismatch, the id out of range and the unreadable image', async () => {
  const root = path.join(tmp, 'cityscapes-broken');
  await assertBrokenReported({ type: 'cityscapes', root }, await cityscapesFixture(root, 'train', { broken: true }));
});

test('ade20k: 150 classes with distinct colours; value 0 is ignore, v is class v - 1; root may be the folder holding the data set', async () => {
  assert.equal(ADE20K_CLASSES.length, 150);
  assert.equal(new Set(ADE20K_PALETTE.map((c) => c.join())).size, 150);
  assert.deepEqual([ADE20K_CLASSES[0], ADE20K_CLASSES[2], ADE20K_CLASSES[149]], ['wall', 'sky', 'flag']);
  const root = path.join(tmp, 'ade');
  const train = await ade20kFixture(root, 'training');
  const val = await ade20kFixture(root, 'validation', { count: 3, seed: 9 });
  for (const [split, fx] of [['training', train], ['train', train], ['val', val], ['validation', val]] as const) {
    const ds = buildDataset({ type: 'ade20k', root, trainSplit: 'train', valSplit: 'val' }, split);
    await assertReads(ds, fx);
  }
  // The data set folder itself works as the root too.
  assert.equal(buildDataset({ type: 'ade20k', root: path.join(root, 'ADEChallengeData2016'), trainSplit: 't', valSplit: 'v' }, 'val').length, 3);
});

test('ade20k: a broken split reports each bad pair; value 151 is out of range', async () => {
  const root = path.join(tmp, 'ade-broken');
  await assertBrokenReported({ type: 'ade20k', root }, await ade20kFixture(root, 'training', { broken: true }));
});

test('voc: VOCdevkit as root, and the SBD train_aug split reads SegmentationClassAug', async () => {
  const root = path.join(tmp, 'voc');
  const val = await vocFixture(root, 'val');
  const aug = await vocFixture(root, 'train_aug', { labelDir: 'SegmentationClassAug', first: 100, seed: 8, count: 4 });
  const config = { type: 'voc', root: path.join(root, 'VOCdevkit'), trainSplit: 'train_aug', valSplit: 'val' };
  await assertReads(buildDataset(config, 'val'), val);
  await assertReads(buildDataset(config, 'train_aug'), aug);
  await assertReads(buildDataset({ ...config, root: path.join(root, 'VOCdevkit', 'VOC2012') }, 'train_aug'), aug);
  // The aug labels are only in SegmentationClassAug: a plain split listing them finds no label.
  fs.copyFileSync(path.join(root, 'VOCdevkit/VOC2012/ImageSets/Segmentation/train_aug.txt'), path.join(root, 'VOCdevkit/VOC2012/ImageSets/Segmentation/other.txt'));
  assert.throws(() => buildDataset(config, 'other'), /label file not found: .*SegmentationClass\/2011_000100\.png/);
});

test('voc: a broken split reports each bad pair', async () => {
  const root = path.join(tmp, 'voc-broken');
  await assertBrokenReported({ type: 'voc', root }, await vocFixture(root, 'train', { broken: true }));
});
