import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { overlay, readImage, readLabel, writeImagePng, writeLabelPng } from '../../src/data/image_io';
import { fullPalette } from '../../src/data/palette';
import { Rng } from '../../src/util/rng';

const rng = new Rng(Date.now() >>> 0);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-io-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function randomPalette(n: number): Array<[number, number, number]> {
  return Array.from({ length: n }, () => [rng.int(256), rng.int(256), rng.int(256)] as [number, number, number]);
}

test('writeLabelPng -> readLabel gives the exact indices (random labels and palette, ignore included)', async () => {
  for (const classes of [2, 21, 150, 256]) {
    const width = 5 + rng.int(40);
    const height = 3 + rng.int(30);
    const palette = randomPalette(classes);
    const labels = Uint8Array.from({ length: width * height }, () => (rng.next() < 0.1 ? 255 : rng.int(classes)));
    const file = path.join(dir, `labels-${classes}.png`);
    await writeLabelPng(file, labels, width, height, palette);
    const back = await readLabel(file);
    assert.deepEqual([back.width, back.height], [width, height]);
    assert.deepEqual(Array.from(back.data), Array.from(labels));
    // The file's colours (decoded by sharp) are the palette's, 255 gets a colour too.
    const rgb = await readImage(file);
    const full = fullPalette(palette);
    for (let i = 0; i < labels.length; i++) {
      assert.deepEqual([rgb.data[3 * i], rgb.data[3 * i + 1], rgb.data[3 * i + 2]], full[labels[i]]);
    }
  }
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
});

test('readLabel of a grayscale PNG (and TIFF) gives its exact values', async () => {
  const width = 23;
  const height = 17;
  const values = Uint8Array.from({ length: width * height }, () => rng.int(256));
  const png = path.join(dir, 'gray.png');
  await sharp(Buffer.from(values), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(png);
  assert.equal((await sharp(png).metadata()).channels, 1, 'fixture is a one-channel PNG');
  assert.deepEqual(Array.from((await readLabel(png)).data), Array.from(values));
  const tif = path.join(dir, 'gray.tif');
  await sharp(Buffer.from(values), { raw: { width, height, channels: 1 } }).toColourspace('b-w').tiff({ compression: 'lzw' }).toFile(tif);
  const back = await readLabel(tif);
  assert.deepEqual([back.width, back.height], [width, height]);
  assert.deepEqual(Array.from(back.data), Array.from(values));
});

test('readLabel rejects colour label images, naming the file', async () => {
  const file = path.join(dir, 'colour-label.png');
  await sharp(Buffer.from([10, 20, 30, 10, 10, 10]), { raw: { width: 2, height: 1, channels: 3 } }).png().toFile(file);
  await assert.rejects(readLabel(file), (e: Error) => e.message.includes(file) && /colour image/.test(e.message));
});

test('readImage always gives 3 channels: gray replicated, alpha dropped, exact for 8-bit RGB', async () => {
  const width = 11;
  const height = 7;
  const gray = Uint8Array.from({ length: width * height }, () => rng.int(256));
  const grayFile = path.join(dir, 'gray-image.png');
  await sharp(Buffer.from(gray), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(grayFile);
  const g = await readImage(grayFile);
  assert.equal(g.data.length, width * height * 3);
  for (let i = 0; i < gray.length; i++) assert.deepEqual(Array.from(g.data.subarray(3 * i, 3 * i + 3)), [gray[i], gray[i], gray[i]]);

  const rgba = Uint8Array.from({ length: width * height * 4 }, () => rng.int(256));
  const rgbaFile = path.join(dir, 'rgba.png');
  await sharp(Buffer.from(rgba), { raw: { width, height, channels: 4 } }).png().toFile(rgbaFile);
  const a = await readImage(rgbaFile);
  for (let i = 0; i < width * height; i++) {
    assert.deepEqual(Array.from(a.data.subarray(3 * i, 3 * i + 3)), Array.from(rgba.subarray(4 * i, 4 * i + 3)));
  }

  const rgb = Uint8Array.from({ length: width * height * 3 }, () => rng.int(256));
  const rgbFile = path.join(dir, 'sub', 'rgb.png');
  await writeImagePng(rgbFile, rgb, width, height);
  const back = await readImage(rgbFile);
  assert.deepEqual([back.width, back.height], [width, height]);
  assert.deepEqual(Array.from(back.data), Array.from(rgb));
});

test('missing and corrupt files give errors naming the file', async () => {
  const missing = path.join(dir, 'nope.png');
  await assert.rejects(readImage(missing), (e: Error) => e.message.includes(missing) && /not found/.test(e.message));
  await assert.rejects(readLabel(missing), (e: Error) => e.message.includes(missing) && /not found/.test(e.message));
  const corrupt = path.join(dir, 'corrupt.png');
  const good = path.join(dir, 'good-label.png');
  await writeLabelPng(good, new Uint8Array(64), 8, 8, randomPalette(2));
  const bytes = fs.readFileSync(good);
  fs.writeFileSync(corrupt, bytes.subarray(0, bytes.length - 20));
  await assert.rejects(readLabel(corrupt), (e: Error) => e.message.includes(corrupt));
  await assert.rejects(readImage(corrupt), (e: Error) => e.message.includes(corrupt));
  const garbage = path.join(dir, 'garbage.jpg');
  fs.writeFileSync(garbage, 'this is not an image');
  await assert.rejects(readImage(garbage), (e: Error) => e.message.includes(garbage) && /cannot decode/.test(e.message));
  await assert.rejects(readLabel(garbage), (e: Error) => e.message.includes(garbage));
});

test('overlay blends each pixel with its class colour and leaves ignore pixels alone', () => {
  const n = 50;
  const palette = randomPalette(4);
  const rgb = Uint8Array.from({ length: n * 3 }, () => rng.int(256));
  const labels = Uint8Array.from({ length: n }, () => (rng.next() < 0.2 ? 255 : rng.int(4)));
  const alpha = rng.next();
  const out = overlay(rgb, labels, palette, alpha);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const expected = labels[i] === 255 ? rgb[3 * i + c] : (1 - alpha) * rgb[3 * i + c] + alpha * palette[labels[i]][c];
      assert.ok(Math.abs(out[3 * i + c] - expected) <= 0.5 + 1e-9, `pixel ${i} channel ${c}`);
    }
  }
});
