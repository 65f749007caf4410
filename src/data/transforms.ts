/**
 * Geometric transforms on plain samples: resizing (bilinear for images and
 * score maps, nearest for labels), random scale, random crop with padding and
 * horizontal flip, and the training pipeline composing them. Labels are only
 * ever copied or set to 255 (ignore), never interpolated.
 */
import { Rng } from '../util/rng';
import { IGNORE_INDEX, Sample } from './types';

/**
 * Bilinear resize of an HWC map with `channels` channels, half-pixel centres
 * (source coordinate `(d + 0.5) * in/out - 0.5`, clamped to the edges), the
 * convention of `tf.image.resizeBilinear(..., halfPixelCenters=true)`. A
 * Uint8Array input gives rounded Uint8 output; a Float32Array gives floats.
 */
export function resizeBilinear<T extends Uint8Array | Float32Array>(
  src: T,
  height: number,
  width: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): T {
  checkSize(src.length, height, width, channels, 'resizeBilinear');
  const rounded = src instanceof Uint8Array;
  const out = (rounded ? new Uint8Array(outHeight * outWidth * channels) : new Float32Array(outHeight * outWidth * channels)) as T;
  if (outHeight === height && outWidth === width) {
    out.set(src);
    return out;
  }
  const xs = axisWeights(width, outWidth);
  const ys = axisWeights(height, outHeight);
  for (let y = 0; y < outHeight; y++) {
    const r0 = ys.lo[y] * width;
    const r1 = ys.hi[y] * width;
    const fy = ys.frac[y];
    for (let x = 0; x < outWidth; x++) {
      const c0 = xs.lo[x];
      const c1 = xs.hi[x];
      const fx = xs.frac[x];
      const o = (y * outWidth + x) * channels;
      for (let c = 0; c < channels; c++) {
        const top = src[(r0 + c0) * channels + c] * (1 - fx) + src[(r0 + c1) * channels + c] * fx;
        const bottom = src[(r1 + c0) * channels + c] * (1 - fx) + src[(r1 + c1) * channels + c] * fx;
        const v = top * (1 - fy) + bottom * fy;
        out[o + c] = rounded ? Math.round(v) : v;
      }
    }
  }
  return out;
}

function axisWeights(size: number, outSize: number): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  const scale = size / outSize;
  for (let d = 0; d < outSize; d++) {
    const s = Math.min(Math.max((d + 0.5) * scale - 0.5, 0), size - 1);
    lo[d] = Math.floor(s);
    hi[d] = Math.min(lo[d] + 1, size - 1);
    frac[d] = s - lo[d];
  }
  return { lo, hi, frac };
}

/**
 * Nearest-neighbour resize of an HWC map (labels: channels = 1): output pixel d
 * takes source pixel `floor((d + 0.5) * in/out)`, clamped.
 */
export function resizeNearest<T extends Uint8Array | Float32Array>(
  src: T,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
  channels = 1,
): T {
  checkSize(src.length, height, width, channels, 'resizeNearest');
  const out = (src instanceof Uint8Array ? new Uint8Array(outHeight * outWidth * channels) : new Float32Array(outHeight * outWidth * channels)) as T;
  const xs = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++) xs[x] = Math.min(Math.floor(((x + 0.5) * width) / outWidth), width - 1);
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.min(Math.floor(((y + 0.5) * height) / outHeight), height - 1);
    for (let x = 0; x < outWidth; x++) {
      const s = (sy * width + xs[x]) * channels;
      const o = (y * outWidth + x) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = src[s + c];
    }
  }
  return out;
}

function checkSize(length: number, height: number, width: number, channels: number, what: string): void {
  if (length !== height * width * channels) {
    throw new Error(`${what}: buffer of ${length} values is not ${height}x${width}x${channels}`);
  }
}

/** Resizes a sample to `height` x `width` (image bilinear, label nearest). */
export function resizeSample(sample: Sample, height: number, width: number): Sample {
  return {
    ...sample,
    height,
    width,
    image: resizeBilinear(sample.image, sample.height, sample.width, 3, height, width),
    label: resizeNearest(sample.label, sample.height, sample.width, height, width),
  };
}

/** Rescales a sample by a factor drawn uniformly from `[lo, hi]` (sides rounded, at least 1). */
export function randomScale(sample: Sample, rng: Rng, range: readonly [number, number]): Sample {
  const factor = rng.uniform(range[0], range[1]);
  const height = Math.max(1, Math.round(sample.height * factor));
  const width = Math.max(1, Math.round(sample.width * factor));
  return height === sample.height && width === sample.width ? sample : resizeSample(sample, height, width);
}

/**
 * Cuts the window of `cropHeight` x `cropWidth` whose top-left corner is
 * (`top`, `left`) in sample coordinates (may be negative or run past the edge).
 * Pixels outside the sample are padding: image 0 (black; the model normalizes
 * afterwards, so this is not the mean colour) and label 255 (ignore).
 */
export function cropWindow(sample: Sample, top: number, left: number, cropHeight: number, cropWidth: number): Sample {
  const image = new Uint8Array(cropHeight * cropWidth * 3);
  const label = new Uint8Array(cropHeight * cropWidth).fill(IGNORE_INDEX);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(cropWidth, sample.width - left);
  for (let y = 0; y < cropHeight; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= sample.height || x1 <= x0) continue;
    const s = sy * sample.width + left;
    image.set(sample.image.subarray((s + x0) * 3, (s + x1) * 3), (y * cropWidth + x0) * 3);
    label.set(sample.label.subarray(s + x0, s + x1), y * cropWidth + x0);
  }
  return { ...sample, height: cropHeight, width: cropWidth, image, label };
}

/**
 * Random crop to a fixed size. Along each axis the window offset is uniform over
 * every position where the window lies inside the sample, or, when the sample is
 * smaller than the window, every position where the sample lies inside the
 * window (the rest is padding, see {@link cropWindow}).
 */
export function randomCrop(sample: Sample, rng: Rng, cropHeight: number, cropWidth: number): Sample {
  const top = randomOffset(rng, sample.height, cropHeight);
  const left = randomOffset(rng, sample.width, cropWidth);
  return cropWindow(sample, top, left, cropHeight, cropWidth);
}

function randomOffset(rng: Rng, size: number, crop: number): number {
  return Math.min(0, size - crop) + rng.int(Math.abs(size - crop) + 1);
}

/** Mirrors a sample left-right. */
export function horizontalFlip(sample: Sample): Sample {
  const { height, width } = sample;
  const image = new Uint8Array(sample.image.length);
  const label = new Uint8Array(sample.label.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = y * width + x;
      const d = y * width + (width - 1 - x);
      label[d] = sample.label[s];
      image[d * 3] = sample.image[s * 3];
      image[d * 3 + 1] = sample.image[s * 3 + 1];
      image[d * 3 + 2] = sample.image[s * 3 + 2];
    }
  }
  return { ...sample, image, label };
}

/** Mirrors a sample with probability 1/2. */
export function randomFlip(sample: Sample, rng: Rng): Sample {
  return rng.next() < 0.5 ? horizontalFlip(sample) : sample;
}

/** Augmentation settings (the matching fields of the training config). */
export interface AugmentConfig {
  /** Output [height, width]. */
  cropSize: readonly [number, number];
  /** Scale factor range; [1, 1] keeps the size. */
  scaleRange: readonly [number, number];
  flip: boolean;
}

/** A sample-to-sample transform drawing its randomness from `rng`. */
export type Transform = (sample: Sample, rng: Rng) => Sample;

/**
 * The training augmentation: random scale, random crop (with padding) to
 * `cropSize`, then a random horizontal flip. Always draws the same count of
 * numbers per sample (scale 1, crop 2, flip 1 when enabled), so the stream stays
 * aligned however the sizes come out.
 */
export function trainTransform(cfg: AugmentConfig): Transform {
  const [cropHeight, cropWidth] = cfg.cropSize;
  return (sample, rng) => {
    let s = randomScale(sample, rng, cfg.scaleRange);
    s = randomCrop(s, rng, cropHeight, cropWidth);
    return cfg.flip ? randomFlip(s, rng) : s;
  };
}

/** {@link trainTransform} bound to one generator: `sample => augmented sample`. */
export function trainPipeline(cfg: AugmentConfig, rng: Rng): (sample: Sample) => Sample {
  const transform = trainTransform(cfg);
  return (sample) => transform(sample, rng);
}
