import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { badSamplesError, findBadSamples } from '../../src/data/check';
import { CAMVID_PALETTE } from '../../src/data/datasets/camvid';
import { writeLabelPng } from '../../src/data/image_io';
import { buildDataset } from '../../src/data/registry';

test('the up-front check reads every pair and reports all the bad ones at once: a corrupt image late in the list, a size mismatch, an id out of range', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-check-'));
  try {
    const image = (name: string, w: number, h: number) => sharp(Buffer.alloc(w * h * 3, 90), { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(root, name));
    const label = (name: string, w: number, h: number, id = 1) => writeLabelPng(path.join(root, name), new Uint8Array(w * h).fill(id), w, h, CAMVID_PALETTE);
    const lines: string[] = [];
    for (let i = 0; i < 9; i++) {
      await image(`i${i}.png`, 8, 6);
      await label(`l${i}.png`, 8, 6);
      lines.push(`i${i}.png l${i}.png`);
    }
    fs.writeFileSync(path.join(root, 'i8.png'), 'not a png');
    await label('l3.png', 7, 6);
    await label('l5.png', 8, 6, 40);
    fs.writeFileSync(path.join(root, 'train.txt'), lines.join('\n') + '\n');
    const dataset = buildDataset({ type: 'camvid', root, trainSplit: 'train', valSplit: 'val' }, 'train');
    const progress: number[] = [];
    const bad = await findBadSamples(dataset, (done) => progress.push(done));
    assert.deepEqual(bad.map((b) => b.index), [3, 5, 8]);
    assert.match(bad[0].message, /size mismatch.*l3\.png is 7x6/);
    assert.match(bad[1].message, /l5\.png holds class id 40/);
    assert.match(bad[2].message, /i8\.png/);
    assert.equal(progress.length, 9);
    const err = badSamplesError(dataset, bad);
    assert.match(err.message, /^camvid\/train: 3 of 9 samples cannot be used:\n  sample 3: .*\n  sample 5: .*\n  sample 8: /);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
