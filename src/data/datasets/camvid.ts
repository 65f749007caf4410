/**
 * CamVid, 11-class form: a folder with `<split>.txt` listing `image label` paths
 * relative to it; labels are gray PNGs with ids 0..10 and 11 = void (→ ignore).
 */
import * as path from 'node:path';
import { Rgb } from '../palette';
import { Dataset } from '../types';
import { identityMapping, listFields, PairEntry, PairListDataset, readListFile, requireRoot } from './pair_list';
import { packageRoot } from '../../util/package_root';
import { DATASETS, type DataConfig } from './dataset';

/** The CamVid folder beside the project (`../shared/datasets/camvid`), where the shipped model is evaluated by default. */
export function defaultCamvidRoot(): string {
  return path.resolve(packageRoot(), '..', 'shared', 'datasets', 'camvid');
}

export const CAMVID_CLASSES: readonly string[] = [
  'sky', 'building', 'pole', 'road', 'pavement', 'tree',
  'sign/symbol', 'fence', 'car', 'pedestrian', 'bicyclist',
];

/** The customary CamVid display colours, in class order. */
export const CAMVID_PALETTE: ReadonlyArray<Rgb> = [
  [128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222], [128, 128, 0],
  [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0], [0, 128, 192],
];

/** Stored value of the void class, read as ignore. */
export const CAMVID_VOID = 11;

/** Opens split `split` of the CamVid folder `config.root`. */
export function createCamvid(config: DataConfig, split: string): Dataset {
  const root = requireRoot(config.root, 'camvid');
  const listFile = path.join(root, `${split}.txt`);
  const entries: PairEntry[] = readListFile(listFile, `camvid '${split}'`).map(({ line, text }) => {
    const fields = listFields(text);
    if (fields.length !== 2) {
      throw new Error(`${listFile} line ${line}: expected "image label" (quote a path with spaces, or separate the two by a tab), got ${JSON.stringify(text)}`);
    }
    const [image, label] = fields.map((f) => path.resolve(root, f));
    return { name: path.basename(image, path.extname(image)), image, label };
  });
  return new PairListDataset({
    type: 'camvid',
    split,
    classes: CAMVID_CLASSES,
    palette: CAMVID_PALETTE,
    entries,
    mapping: identityMapping(CAMVID_CLASSES.length, [CAMVID_VOID]),
    source: listFile,
    deferMissingFiles: config.deferMissingFiles,
  });
}

DATASETS.register('camvid', { open: createCamvid });
