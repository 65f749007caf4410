/**
 * Minimal PNG codec for label maps, exact where general image libraries are not:
 * decoding an indexed (palette) PNG yields the palette INDICES, a low-bit-depth
 * grayscale PNG yields its raw sample values (not rescaled to 0..255), and
 * encoding writes an indexed PNG with a caller-given palette. Pure functions on
 * buffers; file handling lives in `image_io.ts`.
 */
import * as zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG colour types (IHDR field). */
export const PngColorType = { Gray: 0, Rgb: 2, Palette: 3, GrayAlpha: 4, Rgba: 6 } as const;

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const VALID_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Decoded PNG samples before any colour interpretation. */
export interface PngSamples {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
  /** Samples per pixel (1 gray/palette, 2 gray+alpha, 3 RGB, 4 RGBA). */
  channels: number;
  /** Raw sample values, row-major, `height*width*channels` (16-bit samples kept whole). */
  samples: Uint16Array | Uint8Array;
  /** PLTE entries as [r, g, b], empty when the file has none. */
  palette: Array<[number, number, number]>;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (ISO-HDLC, as used by PNG chunks) of `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Whether `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(SIGNATURE);
}

/**
 * Decodes a PNG to its raw samples (all colour types and bit depths, Adam7
 * interlacing included). Throws a plain message (the caller adds the file name)
 * on any structural problem or checksum mismatch.
 */
export function decodePng(bytes: Uint8Array): PngSamples {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isPng(buf)) throw new Error('not a PNG file (bad signature)');
  let pos = 8;
  let header: { width: number; height: number; bitDepth: number; colorType: number; interlace: number } | null = null;
  const idat: Buffer[] = [];
  let palette: Array<[number, number, number]> = [];
  let sawEnd = false;
  while (pos < buf.length) {
    if (pos + 12 > buf.length) throw new Error('truncated chunk');
    const length = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + length > buf.length) throw new Error(`truncated ${type} chunk`);
    const data = buf.subarray(pos + 8, pos + 8 + length);
    const stored = buf.readUInt32BE(pos + 8 + length);
    if (crc32(buf.subarray(pos + 4, pos + 8 + length)) !== stored) throw new Error(`CRC mismatch in ${type} chunk`);
    pos += 12 + length;
    if (type === 'IHDR') {
      if (length !== 13) throw new Error('bad IHDR length');
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        bitDepth: data[8],
        colorType: data[9],
        interlace: data[12],
      };
    } else if (type === 'PLTE') {
      if (length % 3 !== 0 || length === 0 || length > 768) throw new Error('bad PLTE length');
      palette = [];
      for (let i = 0; i < length; i += 3) palette.push([data[i], data[i + 1], data[i + 2]]);
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
  }
  if (!header) throw new Error('missing IHDR chunk');
  if (!sawEnd) throw new Error('missing IEND chunk (file truncated?)');
  if (idat.length === 0) throw new Error('missing IDAT chunk');
  const { width, height, bitDepth, colorType, interlace } = header;
  const channels = CHANNELS[colorType];
  if (channels === undefined) throw new Error(`unsupported colour type ${colorType}`);
  if (!VALID_DEPTHS[colorType].includes(bitDepth)) throw new Error(`invalid bit depth ${bitDepth} for colour type ${colorType}`);
  if (width === 0 || height === 0) throw new Error('zero image size');
  if (colorType === PngColorType.Palette && palette.length === 0) throw new Error('palette PNG without PLTE chunk');
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat));
  } catch (e) {
    throw new Error(`corrupt image data (${(e as Error).message})`);
  }
  const samples = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  const passes = interlace === 1 ? ADAM7 : [[0, 0, 1, 1]];
  let offset = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    offset = unfilterPass(raw, offset, pw, ph, channels, bitDepth, (row, py) => {
      unpackRow(row, pw, channels, bitDepth, samples, ((y0 + py * dy) * width + x0) * channels, dx * channels);
    });
  }
  return { width, height, colorType, bitDepth, channels, samples, palette };
}

const ADAM7: number[][] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Reverses the per-row filters of one (sub-)image and unpacks its samples. Returns the new offset. */
function unfilterPass(
  raw: Buffer,
  offset: number,
  width: number,
  height: number,
  channels: number,
  bitDepth: number,
  emitRow: (row: Uint8Array, y: number) => void,
): number {
  const bitsPerPixel = channels * bitDepth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  if (offset + height * (stride + 1) > raw.length) throw new Error('image data shorter than the image size');
  let prev = new Uint8Array(stride);
  let cur = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[offset];
    const line = raw.subarray(offset + 1, offset + 1 + stride);
    offset += stride + 1;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let v: number;
      switch (filter) {
        case 0: v = line[i]; break;
        case 1: v = line[i] + a; break;
        case 2: v = line[i] + b; break;
        case 3: v = line[i] + ((a + b) >> 1); break;
        case 4: v = line[i] + paeth(a, b, c); break;
        default: throw new Error(`bad filter type ${filter} in row ${y}`);
      }
      cur[i] = v & 0xff;
    }
    emitRow(cur, y);
    [prev, cur] = [cur, prev];
  }
  return offset;
}

/** Writes the samples of one unfiltered row to `out[base + x * pixelStep + c]`. */
function unpackRow(
  row: Uint8Array,
  width: number,
  channels: number,
  bitDepth: number,
  out: Uint8Array | Uint16Array,
  base: number,
  pixelStep: number,
): void {
  for (let x = 0; x < width; x++) {
    const o = base + x * pixelStep;
    for (let c = 0; c < channels; c++) {
      const i = x * channels + c;
      if (bitDepth === 8) out[o + c] = row[i];
      else if (bitDepth === 16) out[o + c] = (row[2 * i] << 8) | row[2 * i + 1];
      else {
        const perByte = 8 / bitDepth;
        out[o + c] = (row[(i / perByte) | 0] >> (8 - bitDepth * ((i % perByte) + 1))) & ((1 << bitDepth) - 1);
      }
    }
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Options of {@link encodeIndexedPng}. */
export interface EncodeIndexedOptions {
  /** Bits per index (1, 2, 4 or 8); every index must fit. Default 8. */
  bitDepth?: 1 | 2 | 4 | 8;
  /** Row filter: a fixed PNG filter type 0..4, or `adaptive` (least sum of absolute values, per row). */
  filter?: 0 | 1 | 2 | 3 | 4 | 'adaptive';
}

/**
 * Encodes `indices` (height*width, row-major) as an indexed PNG whose PLTE is
 * `palette` (1..256 entries; every index must be < palette.length).
 */
export function encodeIndexedPng(
  indices: Uint8Array,
  width: number,
  height: number,
  palette: ReadonlyArray<readonly [number, number, number]>,
  options: EncodeIndexedOptions = {},
): Buffer {
  const bitDepth = options.bitDepth ?? 8;
  const filterMode = options.filter ?? 'adaptive';
  if (indices.length !== width * height) throw new Error(`expected ${width * height} indices, got ${indices.length}`);
  if (palette.length < 1 || palette.length > 256) throw new Error(`palette must have 1..256 entries, got ${palette.length}`);
  const limit = Math.min(palette.length, 1 << bitDepth);
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] >= limit) throw new Error(`index ${indices[i]} does not fit a ${palette.length}-entry palette at ${bitDepth} bits`);
  }
  const stride = Math.ceil((width * bitDepth) / 8);
  const perByte = 8 / bitDepth;
  const out = Buffer.alloc(height * (stride + 1));
  let prev = new Uint8Array(stride);
  let row = new Uint8Array(stride);
  const candidates = [0, 1, 2, 3, 4].map(() => new Uint8Array(stride));
  for (let y = 0; y < height; y++) {
    row.fill(0);
    for (let x = 0; x < width; x++) {
      const v = indices[y * width + x];
      if (bitDepth === 8) row[x] = v;
      else row[(x / perByte) | 0] |= v << (8 - bitDepth * ((x % perByte) + 1));
    }
    const types = filterMode === 'adaptive' ? [0, 1, 2, 3, 4] : [filterMode];
    let best = types[0];
    let bestCost = Infinity;
    for (const t of types) {
      const f = candidates[t];
      for (let i = 0; i < stride; i++) {
        const a = i >= 1 ? row[i - 1] : 0;
        const b = prev[i];
        const c = i >= 1 ? prev[i - 1] : 0;
        const pred = t === 0 ? 0 : t === 1 ? a : t === 2 ? b : t === 3 ? (a + b) >> 1 : paeth(a, b, c);
        f[i] = (row[i] - pred) & 0xff;
      }
      if (types.length > 1) {
        let cost = 0;
        for (let i = 0; i < stride; i++) cost += f[i] < 128 ? f[i] : 256 - f[i];
        if (cost < bestCost) [bestCost, best] = [cost, t];
      }
    }
    out[y * (stride + 1)] = best;
    out.set(candidates[best], y * (stride + 1) + 1);
    [prev, row] = [row, prev];
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = PngColorType.Palette;
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach(([r, g, b], i) => plte.set([r, g, b], i * 3));
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    chunk('IDAT', zlib.deflateSync(out, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
