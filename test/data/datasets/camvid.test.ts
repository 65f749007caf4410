import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { buildDataset } from '../../../src/data/registry';
import { CAMVID_CLASSES } from '../../../src/data/datasets/camvid';

const ROOT = '/work/shared/datasets/camvid';
const present = fs.existsSync(path.join(ROOT, 'train.txt'));
const skip = present ? false : `CamVid not found at ${ROOT}`;

test('camvid loads listed samples; labels match the files with void (11) as 255', { skip }, async () => {
  const config = { type: 'camvid', root: ROOT, trainSplit: 'train', valSplit: 'val' };
  const train = buildDataset(config, 'train');
  const val = buildDataset(config, 'val');
  assert.equal(train.length, 367);
  assert.equal(val.length, 101);
  assert.equal(train.classes.length, 11);
  assert.deepEqual(train.classes, CAMVID_CLASSES);
  assert.equal(train.palette.length, 11);
  const lines = fs.readFileSync(path.join(ROOT, 'val.txt'), 'utf8').trim().split('\n');
  for (const index of [0, val.length - 1]) {
    const s = await val.get(index);
    const [imageRel, labelRel] = lines[index].trim().split(/\s+/);
    assert.equal(s.name, path.basename(imageRel, '.png'));
    assert.deepEqual([s.width, s.height], [480, 360]);
    const image = await sharp(path.join(ROOT, imageRel)).removeAlpha().raw().toBuffer();
    assert.ok(Buffer.from(s.image).equals(image), 'image equals the file');
    const label = await sharp(path.join(ROOT, labelRel)).extractChannel(0).raw().toBuffer();
    assert.equal(s.label.length, label.length);
    const expected = Buffer.from(label.map((v) => (v === 11 ? 255 : v)));
    assert.ok(Buffer.from(s.label).equals(expected), 'labels equal the file with 11 -> 255');
    assert.ok(label.includes(11), 'the sample has void pixels, so the mapping was exercised');
  }
});
