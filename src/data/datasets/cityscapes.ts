/**
 * Cityscapes as published: `leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png`
 * with `gtFine/<split>/<city>/<stem>_gtFine_labelIds.png`. The 34 label ids
 * map to the 19 training classes; every other id is ignore. Labels already
 * converted to train ids (`*_gtFine_labelTrainIds.png`) are read with
 * `data.cityscapes.labels: "trainIds"`. Images are 1024×2048: evaluate them
 * with sliding-window (`--window 512x1024`) or downscaled (`--scales 0.5`)
 * inference.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { parseField } from '../../util/validate';
import type { Rgb } from '../palette';
import type { Dataset } from '../types';
import { IGNORE_INDEX } from '../types';
import { filesWithSuffix, identityMapping, type LabelMapping, PairListDataset, requireRoot } from './pair_list';
import { DATASETS, type DataConfig } from './dataset';

export const CITYSCAPES_CLASSES: readonly string[] = [
  'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign', 'vegetation', 'terrain',
  'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle',
];

/** The data set's own display colours, in training-class order. */
export const CITYSCAPES_PALETTE: ReadonlyArray<Rgb> = [
  [128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156], [190, 153, 153], [153, 153, 153], [250, 170, 30],
  [220, 220, 0], [107, 142, 35], [152, 251, 152], [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142],
  [0, 0, 70], [0, 60, 100], [0, 80, 100], [0, 0, 230], [119, 11, 32],
];

/** Training class of each label id 0..33 (-1 = ignore), as the data set defines them. */
const TRAIN_ID_OF_LABEL_ID: readonly number[] = [
  -1, -1, -1, -1, -1, -1, -1, 0, 1, -1, -1, 2, 3, 4, -1, -1, -1, 5, -1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -1, -1, 16, 17, 18,
];

/** Label ids 0..33 → training classes, others ignore-only; 255 is ignore. */
export function cityscapesLabelIdMapping(): LabelMapping {
  const table = new Int16Array(256).fill(-1);
  TRAIN_ID_OF_LABEL_ID.forEach((t, id) => (table[id] = t < 0 ? IGNORE_INDEX : t));
  table[IGNORE_INDEX] = IGNORE_INDEX;
  return { table, allowed: '0..33 (Cityscapes label ids), 255 (ignore)' };
}

/** Options of the `cityscapes` data set (`data.cityscapes`). */
export const cityscapesDataSchema = z
  .object({
    /** `labelIds`: the published `*_gtFine_labelIds.png`; `trainIds`: converted `*_gtFine_labelTrainIds.png` (0..18, 255). */
    labels: z.enum(['labelIds', 'trainIds']).default('labelIds'),
    /** Annotation folder: `gtFine` (or `gtCoarse`). */
    annotationDir: z.string().default('gtFine'),
  })
  .strict();

const IMAGE_SUFFIX = '_leftImg8bit.png';

/** Opens split `split` (train, val, test) of the Cityscapes folder `config.root`. */
export function createCityscapes(config: DataConfig, split: string): Dataset {
  const root = requireRoot(config.root, 'cityscapes');
  const o = parseField(cityscapesDataSchema, config.cityscapes ?? {}, 'data.cityscapes');
  const imageDir = path.join(root, 'leftImg8bit', split);
  const labelDir = path.join(root, o.annotationDir, split);
  const labelSuffix = `_${o.annotationDir}_${o.labels === 'labelIds' ? 'labelIds' : 'labelTrainIds'}.png`;
  const entries = filesWithSuffix(imageDir, IMAGE_SUFFIX, `cityscapes '${split}'`).map((rel) => {
    const stem = rel.slice(0, -IMAGE_SUFFIX.length);
    return { name: path.basename(stem), image: path.join(imageDir, rel), label: path.join(labelDir, stem + labelSuffix) };
  });
  return new PairListDataset({
    type: 'cityscapes',
    split,
    classes: CITYSCAPES_CLASSES,
    palette: CITYSCAPES_PALETTE,
    entries,
    mapping: o.labels === 'labelIds' ? cityscapesLabelIdMapping() : identityMapping(CITYSCAPES_CLASSES.length),
    source: imageDir,
    deferMissingFiles: config.deferMissingFiles,
  });
}

DATASETS.register('cityscapes', { open: createCityscapes, options: cityscapesDataSchema });
