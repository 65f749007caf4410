/**
 * Pascal-VOC-style folder: `JPEGImages/<id>.jpg`, `SegmentationClass/<id>.png`
 * (palette PNG; gray PNGs such as the augmented set's are read the same way),
 * `ImageSets/Segmentation/<split>.txt` listing ids. 21 classes, 255 = ignore.
 * The three folder names are settings (`data.voc`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { labelColormap, Rgb } from '../palette';
import { Dataset } from '../types';
import { identityMapping, PairEntry, PairListDataset, readListFile, requireRoot } from './pair_list';
import { DATASETS, type DataConfig } from './dataset';

/** Folder layout of the `voc` data set (`data.voc`; defaults: the Pascal VOC 2012 layout). */
export const vocDataSchema = z
  .object({
    /** Folder of the images, `<id>.jpg` (or .jpeg/.png), under data.root. */
    imageDir: z.string().default('JPEGImages'),
    /** Folder of the label PNGs, `<id>.png` (e.g. `SegmentationClassAug` for the augmented set). */
    labelDir: z.string().default('SegmentationClass'),
    /** Folder of the split lists, `<split>.txt`. */
    listDir: z.string().default('ImageSets/Segmentation'),
  })
  .strict();


export const VOC_CLASSES: readonly string[] = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

/** The VOC palette (bit-interleaved colour map) for the 21 classes. */
export const VOC_PALETTE: ReadonlyArray<Rgb> = labelColormap(VOC_CLASSES.length);

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png'];

/** Opens split `split` of the VOC-style folder `config.root`. */
export function createVoc(config: DataConfig, split: string): Dataset {
  const root = requireRoot(config.root, 'voc');
  const dirs = vocDataSchema.parse(config.voc ?? {});
  const listFile = path.join(root, dirs.listDir, `${split}.txt`);
  const entries: PairEntry[] = readListFile(listFile, `voc '${split}'`).map(({ line, text }) => {
    const id = text.split(/\s+/)[0];
    if (id.includes('/')) throw new Error(`${listFile} line ${line}: expected an image id, got ${JSON.stringify(text)}`);
    const stem = path.join(root, dirs.imageDir, id);
    const image = IMAGE_EXTENSIONS.map((ext) => stem + ext).find((f) => fs.existsSync(f)) ?? `${stem}.jpg`;
    return { name: id, image, label: path.join(root, dirs.labelDir, `${id}.png`) };
  });
  return new PairListDataset({
    type: 'voc',
    split,
    classes: VOC_CLASSES,
    palette: VOC_PALETTE,
    entries,
    mapping: identityMapping(VOC_CLASSES.length),
    source: listFile,
  });
}

DATASETS.register('voc', { open: createVoc, options: vocDataSchema });
