import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeLabelPng } from '../../../src/data/image_io';
import { buildDataset } from '../../../src/data/registry';
import { VOC_CLASSES, VOC_PALETTE } from '../../../src/data/datasets/voc';
import { Rng } from '../../../src/util/rng';

const rng = new Rng(Date.now() >>> 0);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-voc-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));

test('VOC palette has the standard colours of the first classes and 21 entries', () => {
  assert.equal(VOC_CLASSES.length, 21);
  assert.equal(VOC_PALETTE.length, 21);
  // Known entries of the VOC colour map: background, aeroplane, person, tvmonitor.
  assert.deepEqual(VOC_PALETTE[0], [0, 0, 0]);
  assert.deepEqual(VOC_PALETTE[1], [128, 0, 0]);
  assert.deepEqual(VOC_PALETTE[15], [192, 128, 128]);
  assert.deepEqual(VOC_PALETTE[20], [0, 64, 128]);
});

test('voc layout: JPEG images, palette and gray label PNGs, split lists', async () => {
  const ids = ['2007_000032', '2007_000039', '2008_000123'];
  const labels = new Map<string, { width: number; height: number; data: Uint8Array; image: Buffer }>();
  for (const dir of ['JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  for (const [k, id] of ids.entries()) {
    const width = 10 + rng.int(20);
    const height = 8 + rng.int(20);
    const rgb = Buffer.from(Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)));
    const jpg = path.join(root, 'JPEGImages', `${id}.jpg`);
    await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg().toFile(jpg);
    const data = Uint8Array.from({ length: width * height }, () => (rng.next() < 0.15 ? 255 : rng.int(21)));
    const labelFile = path.join(root, 'SegmentationClass', `${id}.png`);
    if (k < 2) await writeLabelPng(labelFile, data, width, height, VOC_PALETTE);
    else await sharp(Buffer.from(data), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(labelFile);
    labels.set(id, { width, height, data, image: await sharp(jpg).raw().toBuffer() });
  }
  fs.writeFileSync(path.join(root, 'ImageSets/Segmentation/train.txt'), `${ids[0]}\n${ids[2]}\n`);
  fs.writeFileSync(path.join(root, 'ImageSets/Segmentation/val.txt'), `${ids[1]}\n\n`);
  const config = { type: 'voc', root, trainSplit: 'train', valSplit: 'val' };
  const train = buildDataset(config, 'train');
  const val = buildDataset(config, 'val');
  assert.deepEqual([train.length, val.length], [2, 1]);
  assert.deepEqual(train.classes, VOC_CLASSES);
  for (const [ds, listed] of [[train, [ids[0], ids[2]]], [val, [ids[1]]]] as const) {
    for (let i = 0; i < ds.length; i++) {
      const s = await ds.get(i);
      const ref = labels.get(listed[i])!;
      assert.equal(s.name, listed[i]);
      assert.deepEqual([s.width, s.height], [ref.width, ref.height]);
      assert.deepEqual(Array.from(s.label), Array.from(ref.data));
      assert.ok(Buffer.from(s.image).equals(ref.image), 'image equals the decoded JPEG');
    }
  }
});
