/**
 * Tiny data sets in the published folder layouts of VOC 2012 (+ SBD aug),
 * Cityscapes and ADE20K, generated with random images and labels, good or
 * broken (a missing label, a size mismatch, an id out of range, an unreadable
 * image), with what reading them must give.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../../src/util/rng';

/** One generated pair and what reading it must give. */
export interface FixturePair {
  name: string;
  /** Class ids after the data set's mapping (255 = ignore); null when the pair is broken. */
  label: Uint8Array | null;
  /** Why the pair is broken: a word the error must contain. */
  broken?: 'not found' | 'size mismatch' | 'out of range' | 'cannot';
}

/** A generated split. */
export interface Fixture {
  root: string;
  split: string;
  pairs: FixturePair[];
}

type Breakage = NonNullable<FixturePair['broken']>;
/** With `broken`, pairs 1..4 get these faults, in order. */
const BREAKAGES: Breakage[] = ['not found', 'size mismatch', 'out of range', 'cannot'];

async function writeRgb(file: string, width: number, height: number, rng: Rng, format: 'png' | 'jpeg'): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const rgb = Buffer.from(Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)));
  const img = sharp(rgb, { raw: { width, height, channels: 3 } });
  await (format === 'png' ? img.png() : img.jpeg()).toFile(file);
}

async function writeGray(file: string, values: Uint8Array, width: number, height: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(values), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(file);
}

/**
 * Writes `count` pairs through `place` (which gives the image and label paths of pair k):
 * stored values drawn from `stored`, mapped by `map`; `bad` is a value the data set refuses.
 */
async function writePairs(
  count: number,
  broken: boolean,
  seed: number,
  place: (k: number) => { name: string; image: string; label: string; format: 'png' | 'jpeg' },
  stored: (rng: Rng) => number,
  map: (v: number) => number,
  bad: number,
): Promise<FixturePair[]> {
  const rng = new Rng(seed);
  const pairs: FixturePair[] = [];
  for (let k = 0; k < count; k++) {
    const { name, image, label, format } = place(k);
    const width = 6 + rng.int(10);
    const height = 5 + rng.int(10);
    const fault = broken && k >= 1 && k <= BREAKAGES.length ? BREAKAGES[k - 1] : undefined;
    await writeRgb(image, width, height, rng, format);
    const values = Uint8Array.from({ length: width * height }, () => stored(rng));
    if (fault === 'out of range') values[values.length - 1] = bad;
    if (fault === 'size mismatch') await writeGray(label, new Uint8Array((width + 1) * height), width + 1, height);
    else if (fault !== 'not found') await writeGray(label, values, width, height);
    if (fault === 'cannot') fs.writeFileSync(image, Buffer.from('not an image at all'));
    pairs.push({ name, label: fault ? null : values.map(map), ...(fault ? { broken: fault } : {}) });
  }
  return pairs;
}

/** Cityscapes: leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png, gtFine/<split>/<city>/<stem>_gtFine_labelIds.png. */
export async function cityscapesFixture(root: string, split: string, opts: { count?: number; broken?: boolean; seed?: number } = {}): Promise<Fixture> {
  const trainId = [255, 255, 255, 255, 255, 255, 255, 0, 1, 255, 255, 2, 3, 4, 255, 255, 255, 5, 255, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255, 255, 16, 17, 18];
  const cities = ['aachen', 'bremen'];
  const pairs = await writePairs(
    opts.count ?? 6,
    opts.broken ?? false,
    opts.seed ?? 1,
    (k) => {
      // Names sort in k order: city, then frame number.
      const city = cities[Math.floor((2 * k) / (opts.count ?? 6))];
      const stem = `${city}_000000_${String(k).padStart(6, '0')}`;
      return {
        name: stem,
        image: path.join(root, 'leftImg8bit', split, city, `${stem}_leftImg8bit.png`),
        label: path.join(root, 'gtFine', split, city, `${stem}_gtFine_labelIds.png`),
        format: 'png',
      };
    },
    (rng) => rng.int(34),
    (v) => trainId[v],
    40,
  );
  return { root, split, pairs };
}

/** ADE20K: ADEChallengeData2016/images/<folder>/<id>.jpg, annotations/<folder>/<id>.png; `root` is the folder holding it. */
export async function ade20kFixture(root: string, folder: 'training' | 'validation', opts: { count?: number; broken?: boolean; seed?: number } = {}): Promise<Fixture> {
  const base = path.join(root, 'ADEChallengeData2016');
  const prefix = folder === 'training' ? 'ADE_train' : 'ADE_val';
  const pairs = await writePairs(
    opts.count ?? 6,
    opts.broken ?? false,
    opts.seed ?? 2,
    (k) => {
      const id = `${prefix}_${String(k + 1).padStart(8, '0')}`;
      return { name: id, image: path.join(base, 'images', folder, `${id}.jpg`), label: path.join(base, 'annotations', folder, `${id}.png`), format: 'jpeg' };
    },
    (rng) => (rng.next() < 0.1 ? 0 : 1 + rng.int(150)),
    (v) => (v === 0 ? 255 : v - 1),
    151,
  );
  return { root, split: folder, pairs };
}

/**
 * VOC 2012 under `root`/VOCdevkit/VOC2012: JPEGImages, gray labels in
 * `labelDir` (SegmentationClass, or SegmentationClassAug for the aug split),
 * and ImageSets/Segmentation/<split>.txt.
 */
export async function vocFixture(root: string, split: string, opts: { count?: number; broken?: boolean; seed?: number; labelDir?: string; first?: number } = {}): Promise<Fixture> {
  const base = path.join(root, 'VOCdevkit', 'VOC2012');
  const labelDir = opts.labelDir ?? 'SegmentationClass';
  const first = opts.first ?? 0;
  const pairs = await writePairs(
    opts.count ?? 6,
    opts.broken ?? false,
    opts.seed ?? 3,
    (k) => {
      const id = `2011_${String(first + k).padStart(6, '0')}`;
      return { name: id, image: path.join(base, 'JPEGImages', `${id}.jpg`), label: path.join(base, labelDir, `${id}.png`), format: 'jpeg' };
    },
    (rng) => (rng.next() < 0.1 ? 255 : rng.int(21)),
    (v) => v,
    21,
  );
  const lists = path.join(base, 'ImageSets', 'Segmentation');
  fs.mkdirSync(lists, { recursive: true });
  fs.writeFileSync(path.join(lists, `${split}.txt`), pairs.map((p) => p.name).join('\n') + '\n');
  return { root, split, pairs };
}
