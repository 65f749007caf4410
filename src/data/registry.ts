/**
 * Data sets by name. `buildDataset(config, split)` opens split `split` of the
 * data set `config.type`; each data set file registers itself in `DATASETS`
 * (datasets/dataset.ts), and `registerDataset` adds one from outside.
 */
import type { DataConfig } from '../config/schema';
import './datasets';
import { DATASETS, type DatasetFactory } from './datasets/dataset';
import type { Dataset } from './types';

export type { DatasetFactory };

/** Registers the data set type `name` (an error if it exists). */
export function registerDataset(name: string, factory: DatasetFactory): void {
  DATASETS.register(name, factory);
}

/** Names of the registered data set types, sorted. */
export function datasetTypes(): string[] {
  return DATASETS.names().sort();
}

/** Opens split `split` of the data set `config.type`; errors name the unknown type or bad files. */
export function buildDataset(config: DataConfig, split: string): Dataset {
  if (!DATASETS.has(config.type)) {
    throw new Error(`unknown data.type '${config.type}'; known types: ${datasetTypes().join(', ')}`);
  }
  return DATASETS.get(config.type)(config, split);
}
