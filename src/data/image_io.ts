/**
 * Reading and writing images and label maps. Images go through `sharp` and
 * always come out as 8-bit RGB; PNG label maps are decoded by our own codec
 * (`png.ts`) so palette PNGs give their indices and gray PNGs their exact values.
 * Every write is atomic (temporary file + rename); every error names the file.
 */
import * as fs from 'node:fs';
import sharp from 'sharp';
import { decodePng, encodeIndexedPng, isPng, PngColorType, PngSamples } from './png';
import { fullPalette, Rgb } from './palette';
import { IGNORE_INDEX } from './types';
import { writeFileAtomic } from '../util/atomic_write';

/** An 8-bit RGB image, row-major HWC. */
export interface RgbImage {
  width: number;
  height: number;
  /** height*width*3 values. */
  data: Uint8Array;
}

/** A label map: one class id per pixel, row-major. */
export interface LabelImage {
  width: number;
  height: number;
  /** height*width class ids. */
  data: Uint8Array;
}

async function readBytes(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${what} file not found: ${file}`);
    throw new Error(`cannot read ${what} file ${file}: ${(e as Error).message}`);
  }
}

/**
 * Reads any image sharp decodes (PNG, JPEG, ...) as 8-bit RGB: gray is
 * replicated, alpha dropped, palette expanded. No EXIF rotation is applied, so
 * pixels stay aligned with their label map.
 */
export async function readImage(file: string): Promise<RgbImage> {
  const bytes = await readBytes(file, 'image');
  try {
    const { data, info } = await sharp(bytes)
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    throw new Error(`cannot decode image ${file}: ${(e as Error).message}`);
  }
}

/**
 * Reads a label map. Indexed PNG: the palette indices; gray PNG (any bit depth):
 * the sample values; RGB PNG whose channels are all equal: that value. Other
 * formats go through sharp and must be single-channel. Colour-coded labels are
 * rejected (they need a colour-to-id table, which is the data set's business).
 */
export async function readLabel(file: string): Promise<LabelImage> {
  const bytes = await readBytes(file, 'label');
  if (isPng(bytes)) {
    let png: PngSamples;
    try {
      png = decodePng(bytes);
    } catch (e) {
      throw new Error(`cannot decode label PNG ${file}: ${(e as Error).message}`);
    }
    return { width: png.width, height: png.height, data: labelValues(png, file) };
  }
  try {
    const image = sharp(bytes);
    const meta = await image.metadata();
    if ((meta.channels ?? 0) > 2) throw new Error(`has ${meta.channels} channels; a label map must be single-channel`);
    const { data, info } = await image.extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    throw new Error(`cannot decode label ${file}: ${(e as Error).message}`);
  }
}

function labelValues(png: PngSamples, file: string): Uint8Array {
  const n = png.width * png.height;
  const out = new Uint8Array(n);
  const { samples, channels } = png;
  const isColour = png.colorType === PngColorType.Rgb || png.colorType === PngColorType.Rgba;
  for (let i = 0; i < n; i++) {
    const v = samples[i * channels];
    if (isColour && (samples[i * channels + 1] !== v || samples[i * channels + 2] !== v)) {
      throw new Error(`label ${file} is a colour image (pixel ${i % png.width},${Math.floor(i / png.width)} is not gray); expected a grayscale or palette PNG`);
    }
    if (v > 255) throw new Error(`label ${file} holds value ${v} at pixel ${i % png.width},${Math.floor(i / png.width)}; label values must be 0..255`);
    out[i] = v;
  }
  return out;
}

/**
 * Writes a label map as an indexed (palette) PNG whose PLTE starts with
 * `palette`; ids beyond it (e.g. 255 = ignore) get the bit-interleaved colour map,
 * so the file reads back to exactly `labels`.
 */
export async function writeLabelPng(
  file: string,
  labels: Uint8Array,
  width: number,
  height: number,
  palette: ReadonlyArray<Rgb>,
): Promise<void> {
  if (labels.length !== width * height) {
    throw new Error(`cannot write ${file}: ${labels.length} labels for a ${width}x${height} image`);
  }
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  const entries = Math.max(palette.length, max + 1);
  const plte = fullPalette(palette).slice(0, entries);
  await writeFileAtomic(file, encodeIndexedPng(labels, width, height, plte));
}

/** Writes an 8-bit RGB image (height*width*3, HWC) as PNG. */
export async function writeImagePng(file: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  if (rgb.length !== width * height * 3) {
    throw new Error(`cannot write ${file}: ${rgb.length} values for a ${width}x${height} RGB image`);
  }
  const png = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  await writeFileAtomic(file, png);
}

/**
 * Blends the colours of `labels` over `rgb`: `(1 - alpha) * rgb + alpha * colour`.
 * Ignore pixels (255) and ids without a palette entry keep the image colour.
 */
export function overlay(rgb: Uint8Array, labels: Uint8Array, palette: ReadonlyArray<Rgb>, alpha = 0.5): Uint8Array {
  if (rgb.length !== labels.length * 3) {
    throw new Error(`overlay: image has ${rgb.length / 3} pixels, label map ${labels.length}`);
  }
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < labels.length; i++) {
    const id = labels[i];
    const colour = id !== IGNORE_INDEX ? palette[id] : undefined;
    for (let c = 0; c < 3; c++) {
      const v = rgb[i * 3 + c];
      out[i * 3 + c] = colour ? Math.round((1 - alpha) * v + alpha * colour[c]) : v;
    }
  }
  return out;
}
