import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { crc32, decodePng, encodeIndexedPng } from '../../src/data/png';
import { Rng } from '../../src/util/rng';

const rng = new Rng(Date.now() >>> 0);

function randomPalette(n: number): Array<[number, number, number]> {
  return Array.from({ length: n }, () => [rng.int(256), rng.int(256), rng.int(256)] as [number, number, number]);
}

test('crc32 matches zlib.crc32 on random bytes', () => {
  for (const n of [0, 1, 13, 1000]) {
    const bytes = Uint8Array.from({ length: n }, () => rng.int(256));
    assert.equal(crc32(bytes), zlib.crc32(bytes));
  }
});

test('indexed PNG round trip is exact for every bit depth and filter', () => {
  for (const bitDepth of [1, 2, 4, 8] as const) {
    for (const filter of [0, 1, 2, 3, 4, 'adaptive'] as const) {
      const width = 1 + rng.int(23);
      const height = 1 + rng.int(9);
      const paletteSize = Math.min(256, 1 << bitDepth) - rng.int(Math.min(256, 1 << bitDepth) >> 1);
      const palette = randomPalette(paletteSize);
      const indices = Uint8Array.from({ length: width * height }, () => rng.int(paletteSize));
      const png = decodePng(encodeIndexedPng(indices, width, height, palette, { bitDepth, filter }));
      assert.equal(png.colorType, 3);
      assert.equal(png.bitDepth, bitDepth);
      assert.deepEqual([png.width, png.height], [width, height]);
      assert.deepEqual(Array.from(png.samples), Array.from(indices), `bitDepth ${bitDepth} filter ${filter}`);
      assert.deepEqual(png.palette, palette);
    }
  }
});

test('our indexed PNG decodes to the same colours in sharp (libpng)', async () => {
  const width = 37;
  const height = 11;
  const palette = randomPalette(200);
  const indices = Uint8Array.from({ length: width * height }, () => rng.int(200));
  const bytes = encodeIndexedPng(indices, width, height, palette);
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  for (let i = 0; i < indices.length; i++) {
    assert.deepEqual([data[3 * i], data[3 * i + 1], data[3 * i + 2]], palette[indices[i]]);
  }
});

test('palette PNGs written by sharp (filtered, interlaced, low bit depth) decode to indices of the right colours', async () => {
  for (const [colours, progressive] of [[4, false], [16, false], [200, false], [13, true], [200, true]] as const) {
    const width = 29 + rng.int(20);
    const height = 17 + rng.int(20);
    // Blocks of a few colours so quantization keeps every colour exactly.
    const colourSet = randomPalette(colours);
    const rgb = Buffer.alloc(width * height * 3);
    for (let i = 0; i < width * height; i++) rgb.set(colourSet[(Math.floor(i / 3) * 7 + (i % width)) % colours], i * 3);
    const bytes = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .png({ palette: true, colours, dither: 0, progressive, effort: 1 })
      .toBuffer();
    const png = decodePng(bytes);
    assert.equal(png.colorType, 3, 'sharp wrote a palette PNG');
    const reference = await sharp(bytes).raw().toBuffer();
    for (let i = 0; i < width * height; i++) {
      const c = png.palette[png.samples[i]];
      assert.deepEqual(c, [reference[3 * i], reference[3 * i + 1], reference[3 * i + 2]], `pixel ${i} (${colours} colours, progressive ${progressive})`);
    }
  }
});

test('gray PNGs decode to their exact values (8 and 16 bit, interlaced or not)', async () => {
  const width = 31;
  const height = 14;
  const values = Uint8Array.from({ length: width * height }, () => rng.int(256));
  for (const progressive of [false, true]) {
    const bytes = await sharp(Buffer.from(values), { raw: { width, height, channels: 1 } })
      .toColourspace('b-w')
      .png({ progressive })
      .toBuffer();
    const png = decodePng(bytes);
    assert.equal(png.colorType, 0);
    assert.deepEqual(Array.from(png.samples), Array.from(values));
  }
});

/** A filter-0, non-interlaced PNG built from packed rows (independent of the codec under test). */
function handMadePng(width: number, height: number, bitDepth: number, colorType: number, rows: Buffer[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(4 + body.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 4 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const idat = zlib.deflateSync(Buffer.concat(rows.map((r) => Buffer.concat([Buffer.of(0), r]))));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('16-bit and 2-bit gray PNGs give their raw sample values (not rescaled)', () => {
  const width = 9;
  const height = 4;
  const wide = Array.from({ length: height }, () => Array.from({ length: width }, () => rng.int(65536)));
  const png16 = decodePng(handMadePng(width, height, 16, 0, wide.map((row) => Buffer.from(row.flatMap((v) => [v >> 8, v & 255])))));
  assert.deepEqual(Array.from(png16.samples), wide.flat());
  const small = Array.from({ length: height }, () => Array.from({ length: width }, () => rng.int(4)));
  const packed = small.map((row) => {
    const bytes = Buffer.alloc(Math.ceil(width / 4));
    row.forEach((v, x) => (bytes[x >> 2] |= v << (6 - 2 * (x & 3))));
    return bytes;
  });
  const png2 = decodePng(handMadePng(width, height, 2, 0, packed));
  assert.deepEqual(Array.from(png2.samples), small.flat());
});

test('corrupt or truncated PNGs are rejected with a reason', () => {
  const palette = randomPalette(3);
  const good = encodeIndexedPng(Uint8Array.from({ length: 64 }, () => rng.int(3)), 8, 8, palette);
  const flipped = Buffer.from(good);
  flipped[good.length - 20] ^= 0xff; // inside the IDAT data
  assert.throws(() => decodePng(flipped), /CRC mismatch/);
  assert.throws(() => decodePng(good.subarray(0, good.length - 15)), /truncated|missing/);
  assert.throws(() => decodePng(Buffer.from('not a png at all')), /not a PNG/);
  assert.throws(() => encodeIndexedPng(Uint8Array.of(0, 5), 2, 1, palette), /does not fit/);
});
