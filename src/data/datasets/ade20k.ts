/**
 * ADE20K (SceneParsing, 150 classes) as published:
 * `ADEChallengeData2016/images/{training,validation}/<id>.jpg` with
 * `annotations/{training,validation}/<id>.png`. Value 0 ("other") is ignore and
 * value v in 1..150 is class v − 1. data.root may be `ADEChallengeData2016` or
 * the folder holding it; the splits `train` and `val` name the two folders too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labelColormap } from '../palette';
import type { Dataset } from '../types';
import { IGNORE_INDEX } from '../types';
import { filesWithSuffix, type LabelMapping, PairListDataset, requireRoot } from './pair_list';
import { DATASETS, type DataConfig } from './dataset';

/** The 150 classes, in the order of the data set's object list. */
export const ADE20K_CLASSES: readonly string[] = [
  'wall', 'building', 'sky', 'floor', 'tree', 'ceiling', 'road', 'bed', 'windowpane', 'grass',
  'cabinet', 'sidewalk', 'person', 'earth', 'door', 'table', 'mountain', 'plant', 'curtain', 'chair',
  'car', 'water', 'painting', 'sofa', 'shelf', 'house', 'sea', 'mirror', 'rug', 'field',
  'armchair', 'seat', 'fence', 'desk', 'rock', 'wardrobe', 'lamp', 'bathtub', 'railing', 'cushion',
  'base', 'box', 'column', 'signboard', 'chest of drawers', 'counter', 'sand', 'sink', 'skyscraper', 'fireplace',
  'refrigerator', 'grandstand', 'path', 'stairs', 'runway', 'case', 'pool table', 'pillow', 'screen door', 'stairway',
  'river', 'bridge', 'bookcase', 'blind', 'coffee table', 'toilet', 'flower', 'book', 'hill', 'bench',
  'countertop', 'stove', 'palm', 'kitchen island', 'computer', 'swivel chair', 'boat', 'bar', 'arcade machine', 'hovel',
  'bus', 'towel', 'light', 'truck', 'tower', 'chandelier', 'awning', 'streetlight', 'booth', 'television receiver',
  'airplane', 'dirt track', 'apparel', 'pole', 'land', 'bannister', 'escalator', 'ottoman', 'bottle', 'buffet',
  'poster', 'stage', 'van', 'ship', 'fountain', 'conveyer belt', 'canopy', 'washer', 'plaything', 'swimming pool',
  'stool', 'barrel', 'basket', 'waterfall', 'tent', 'bag', 'minibike', 'cradle', 'oven', 'ball',
  'food', 'step', 'tank', 'trade name', 'microwave', 'pot', 'animal', 'bicycle', 'lake', 'dishwasher',
  'screen', 'blanket', 'sculpture', 'hood', 'sconce', 'vase', 'traffic light', 'tray', 'ashcan', 'fan',
  'pier', 'crt screen', 'plate', 'monitor', 'bulletin board', 'shower', 'radiator', 'glass', 'clock', 'flag',
];

/** Distinct display colours: the bit-interleaved map without its black first entry. */
export const ADE20K_PALETTE = labelColormap(ADE20K_CLASSES.length + 1).slice(1);

/** Stored value v → class v − 1; 0 → ignore; nothing else is allowed. */
export function ade20kMapping(): LabelMapping {
  const table = new Int16Array(256).fill(-1);
  table[0] = IGNORE_INDEX;
  for (let v = 1; v <= ADE20K_CLASSES.length; v++) table[v] = v - 1;
  return { table, allowed: `0 (ignore), 1..${ADE20K_CLASSES.length} (class = value − 1)` };
}

const SPLIT_FOLDERS: Record<string, string> = { train: 'training', val: 'validation' };

/** Opens split `split` (training/train, validation/val) of the ADE20K folder `config.root`. */
export function createAde20k(config: DataConfig, split: string): Dataset {
  const given = requireRoot(config.root, 'ade20k');
  const nested = path.join(given, 'ADEChallengeData2016');
  const root = !fs.existsSync(path.join(given, 'images')) && fs.existsSync(nested) ? nested : given;
  const folder = SPLIT_FOLDERS[split] ?? split;
  const imageDir = path.join(root, 'images', folder);
  const labelDir = path.join(root, 'annotations', folder);
  const entries = filesWithSuffix(imageDir, '.jpg', `ade20k '${split}'`).map((rel) => {
    const stem = rel.slice(0, -'.jpg'.length);
    return { name: path.basename(stem), image: path.join(imageDir, rel), label: path.join(labelDir, `${stem}.png`) };
  });
  return new PairListDataset({
    type: 'ade20k',
    split,
    classes: ADE20K_CLASSES,
    palette: ADE20K_PALETTE,
    entries,
    mapping: ade20kMapping(),
    source: imageDir,
    deferMissingFiles: config.deferMissingFiles,
  });
}

DATASETS.register('ade20k', { open: createAde20k });
