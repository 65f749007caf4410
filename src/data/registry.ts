/**
 * Data sets by name. `buildDataset(config, split)` opens split `split` of the
 * data set `config.type`; new types register a factory with `registerDataset`.
 */
import type { DataConfig } from '../config/schema';
import { createCamvid } from './datasets/camvid';
import { createContext } from './datasets/context';
import { createVoc } from './datasets/voc';
import { Dataset } from './types';

/** Opens one split of a data set from its configuration. */
export type DatasetFactory = (config: DataConfig, split: string) => Dataset;

const factories = new Map<string, DatasetFactory>([
  ['camvid', createCamvid],
  ['voc', createVoc],
  ['context', createContext],
]);

/** Registers (or replaces) the data set type `name`. */
export function registerDataset(name: string, factory: DatasetFactory): void {
  factories.set(name, factory);
}

/** Names of the registered data set types. */
export function datasetTypes(): string[] {
  return [...factories.keys()].sort();
}

/** Opens split `split` of the data set `config.type`; errors name the unknown type or bad files. */
export function buildDataset(config: DataConfig, split: string): Dataset {
  const factory = factories.get(config.type);
  if (!factory) {
    throw new Error(`unknown data.type '${config.type}'; known types: ${datasetTypes().join(', ')}`);
  }
  return factory(config, split);
}
