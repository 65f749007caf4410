/**
 * Pascal VOC 2012 as published: `VOCdevkit/VOC2012/` with `JPEGImages/<id>.jpg`,
 * `SegmentationClass/<id>.png` (palette PNGs) and
 * `ImageSets/Segmentation/<split>.txt` listing ids. 21 classes, 255 = ignore.
 * The SBD-augmented training set in its common PNG form is the split
 * `train_aug`: ids listed in `ImageSets/Segmentation/train_aug.txt`, labels
 * (gray PNGs) in `SegmentationClassAug/`. data.root may be `VOCdevkit` or
 * `VOCdevkit/VOC2012` (or the folder holding VOCdevkit); the folder names are
 * settings (`data.voc`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { parseField } from '../../util/validate';
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
    /** Splits whose labels are the SBD-augmented set's. */
    augSplits: z.array(z.string()).default(['train_aug', 'trainaug', 'aug']),
    /** Folder of the augmented set's labels, `<id>.png`. */
    augLabelDir: z.string().default('SegmentationClassAug'),
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
  const given = requireRoot(config.root, 'voc');
  // The published archive unpacks to VOCdevkit/VOC2012: the root may be that folder, VOCdevkit, or the folder holding it.
  const root = [given, path.join(given, 'VOC2012'), path.join(given, 'VOCdevkit', 'VOC2012')].find((d) => fs.existsSync(path.join(d, 'JPEGImages'))) ?? given;
  const dirs = parseField(vocDataSchema, config.voc ?? {}, 'data.voc');
  const labelDir = dirs.augSplits.includes(split) ? dirs.augLabelDir : dirs.labelDir;
  const listFile = path.join(root, dirs.listDir, `${split}.txt`);
  const entries: PairEntry[] = readListFile(listFile, `voc '${split}'`).map(({ line, text }) => {
    const id = text.split(/\s+/)[0];
    if (id.includes('/')) throw new Error(`${listFile} line ${line}: expected an image id, got ${JSON.stringify(text)}`);
    const stem = path.join(root, dirs.imageDir, id);
    const image = IMAGE_EXTENSIONS.map((ext) => stem + ext).find((f) => fs.existsSync(f)) ?? `${stem}.jpg`;
    return { name: id, image, label: path.join(root, labelDir, `${id}.png`) };
  });
  return new PairListDataset({
    type: 'voc',
    split,
    classes: VOC_CLASSES,
    palette: VOC_PALETTE,
    entries,
    mapping: identityMapping(VOC_CLASSES.length),
    source: listFile,
    deferMissingFiles: config.deferMissingFiles,
  });
}

DATASETS.register('voc', { open: createVoc, options: vocDataSchema });
