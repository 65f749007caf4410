/**
 * Data sets by name. `buildDataset(config, split)` opens split `split` of the
 * data set `config.type`; each data set file registers itself in `DATASETS`
 * (datasets/dataset.ts), and `registerDataset` adds one from outside.
 */
import './datasets';
import type { z } from 'zod';
import { DATASETS, type DataConfig, type DatasetFactory } from './datasets/dataset';
import type { Dataset } from './types';

export type { DataConfig, DatasetFactory };

/** Registers the data set type `name` (an error if it exists), with its options schema (`data.<name>` in a config) if it has any. */
export function registerDataset(name: string, factory: DatasetFactory, options?: z.ZodType): void {
  DATASETS.register(name, { open: factory, options });
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
  return DATASETS.get(config.type).open(config, split);
}
