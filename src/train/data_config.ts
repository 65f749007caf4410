/**
 * Which data a command runs on, resolved once for every command: an explicit
 * data set type/root, else the `data` of a config file, else that of the
 * training run a checkpoint came from (the shipped CamVid model: the CamVid
 * copy beside the package).
 */
import * as path from 'node:path';
import { dataSchema } from '../config/schema';
import { type DataConfig } from '../data/datasets/dataset';
import { defaultCamvidRoot } from '../data/datasets/camvid';
import { shippedModelDir } from '../model/shipped';
import { readRunConfig, runDirOf } from './run_folder';
import { readJsonFileSync } from '../util/json_file';
import { parseWith } from '../util/validate';

/** What the user said about the data (all optional). */
export interface DataChoice {
  /** A JSON config file whose `data` section names the data set. */
  config?: string;
  /** Data set type (registered name). */
  data?: string;
  /** Data set folder. */
  dataRoot?: string;
}

/** The validated data config for `checkpoint` and the user's choice; errors say what to give. */
export function resolveDataConfig(choice: DataChoice, checkpoint: string): DataConfig {
  let base: Record<string, unknown> = {};
  if (choice.config) base = (readJsonFileSync(choice.config, 'config file') as { data?: Record<string, unknown> }).data ?? {};
  else {
    const run = runDirOf(checkpoint);
    if (run) base = readRunConfig(run).data;
  }
  if (!base.type && checkpoint === shippedModelDir()) base = { type: 'camvid', root: defaultCamvidRoot() };
  if (choice.data && choice.data !== base.type) base = { type: choice.data };
  if (choice.dataRoot) base = { ...base, root: path.resolve(choice.dataRoot) };
  if (!base.type) throw new Error('no data set given: use --data (and --data-root), --config, or a checkpoint inside a training run');
  return parseWith(dataSchema, base, 'data settings');
}
