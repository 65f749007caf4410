import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeLabelPng } from '../../../src/data/image_io';
import { buildDataset } from '../../../src/data/registry';
import { CAMVID_PALETTE } from '../../../src/data/datasets/camvid';
import { listFields } from '../../../src/data/datasets/pair_list';
import { Rng } from '../../../src/util/rng';

const rng = new Rng(Date.now() >>> 0);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-errors-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
const config = { type: 'camvid', root, trainSplit: 'train', valSplit: 'val' };

async function writeImage(rel: string, width: number, height: number): Promise<void> {
  const rgb = Buffer.from(Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)));
  await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(path.join(root, rel));
}

async function writeLabel(rel: string, width: number, height: number, maxId = 11): Promise<Uint8Array> {
  const data = Uint8Array.from({ length: width * height }, () => rng.int(maxId + 1));
  await writeLabelPng(path.join(root, rel), data, width, height, CAMVID_PALETTE);
  return data;
}

function split(name: string, lines: string[]): void {
  fs.writeFileSync(path.join(root, `${name}.txt`), lines.join('\n') + '\n');
}

/** Asserts that `run` fails with a message containing every string in `parts`. */
async function failsNaming(run: () => unknown, parts: string[]): Promise<void> {
  await assert.rejects(async () => run(), (e: Error) => {
    for (const p of parts) assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
    return true;
  });
}

test('setup: a valid sample loads', async () => {
  await writeImage('a.png', 12, 9);
  const data = await writeLabel('a_label.png', 12, 9);
  split('ok', ['a.png a_label.png']);
  const s = await buildDataset(config, 'ok').get(0);
  assert.deepEqual(Array.from(s.label), Array.from(data, (v) => (v === 11 ? 255 : v)));
});

test('missing list file names the file', async () => {
  await failsNaming(() => buildDataset(config, 'nosuchsplit'), [path.join(root, 'nosuchsplit.txt'), 'not found']);
});

test('empty split names the list file', async () => {
  fs.writeFileSync(path.join(root, 'empty.txt'), '\n  \n');
  await failsNaming(() => buildDataset(config, 'empty'), ['empty', path.join(root, 'empty.txt')]);
});

test('a malformed list line names the file and the line', async () => {
  split('malformed', ['a.png a_label.png', 'a.png']);
  await failsNaming(() => buildDataset(config, 'malformed'), [path.join(root, 'malformed.txt'), 'line 2']);
});

test('a missing image or label names the file', async () => {
  split('missing-image', ['nothere.png a_label.png']);
  await failsNaming(() => buildDataset(config, 'missing-image'), [path.join(root, 'nothere.png'), 'not found']);
  split('missing-label', ['a.png nothere_label.png']);
  await failsNaming(() => buildDataset(config, 'missing-label'), [path.join(root, 'nothere_label.png'), 'not found']);
  // Removed after the data set was opened: the read names it.
  await writeImage('gone.png', 12, 9);
  split('gone', ['gone.png a_label.png']);
  const ds = buildDataset(config, 'gone');
  fs.rmSync(path.join(root, 'gone.png'));
  await failsNaming(() => ds.get(0), [path.join(root, 'gone.png')]);
});

test('a corrupt image or label names the file', async () => {
  fs.writeFileSync(path.join(root, 'corrupt.png'), Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
  split('corrupt-image', ['corrupt.png a_label.png']);
  await failsNaming(() => buildDataset(config, 'corrupt-image').get(0), [path.join(root, 'corrupt.png')]);
  const good = fs.readFileSync(path.join(root, 'a_label.png'));
  fs.writeFileSync(path.join(root, 'truncated_label.png'), good.subarray(0, good.length - 30));
  split('corrupt-label', ['a.png truncated_label.png']);
  await failsNaming(() => buildDataset(config, 'corrupt-label').get(0), [path.join(root, 'truncated_label.png')]);
});

test('a size mismatch names both files and both sizes', async () => {
  await writeLabel('small_label.png', 7, 5);
  split('mismatch', ['a.png small_label.png']);
  await failsNaming(() => buildDataset(config, 'mismatch').get(0), [
    path.join(root, 'a.png'),
    '12x9',
    path.join(root, 'small_label.png'),
    '7x5',
  ]);
});

test('a class id out of range names the file, the value and the valid range', async () => {
  const data = await writeLabel('bad_label.png', 12, 9, 10);
  data[rng.int(data.length)] = 37;
  await writeLabelPng(path.join(root, 'bad_label.png'), data, 12, 9, CAMVID_PALETTE);
  split('bad-id', ['a.png bad_label.png']);
  await failsNaming(() => buildDataset(config, 'bad-id').get(0), [path.join(root, 'bad_label.png'), '37', '0..10']);
});

test('voc: a class id out of range names the file and the VOC range', async () => {
  const voc = path.join(root, 'voc');
  for (const dir of ['JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation']) fs.mkdirSync(path.join(voc, dir), { recursive: true });
  await sharp(Buffer.alloc(6 * 4 * 3, 90), { raw: { width: 6, height: 4, channels: 3 } }).jpeg().toFile(path.join(voc, 'JPEGImages/x.jpg'));
  const data = new Uint8Array(24).fill(3);
  data[5] = 21;
  await writeLabelPng(path.join(voc, 'SegmentationClass/x.png'), data, 6, 4, []);
  fs.writeFileSync(path.join(voc, 'ImageSets/Segmentation/train.txt'), 'x\n');
  await failsNaming(() => buildDataset({ ...config, type: 'voc', root: voc }, 'train').get(0), [
    path.join(voc, 'SegmentationClass/x.png'),
    '21',
    '0..20',
  ]);
});

test('unknown data set type and missing root are named', async () => {
  await failsNaming(() => buildDataset({ ...config, type: 'nosuch' }, 'train'), ['nosuch', 'camvid', 'context', 'voc']);
  await failsNaming(() => buildDataset({ ...config, root: undefined }, 'train'), ['data.root', 'camvid']);
  await failsNaming(() => buildDataset({ ...config, root: path.join(root, 'absent') }, 'train'), [path.join(root, 'absent')]);
});

test('list lines: fields split by white space, by tabs when there is one, and quoted fields may hold spaces', () => {
  assert.deepEqual(listFields('a.png a_L.png'), ['a.png', 'a_L.png']);
  assert.deepEqual(listFields('"my images/a b.png" "labels/a b_L.png"'), ['my images/a b.png', 'labels/a b_L.png']);
  assert.deepEqual(listFields('my images/a b.png\tlabels/a b_L.png'), ['my images/a b.png', 'labels/a b_L.png']);
  assert.deepEqual(listFields('one'), ['one']);
  assert.deepEqual(listFields('a b c'), ['a', 'b', 'c']);
});
