/** The registry of data set types: each data set file registers its factory under its `data.type` name. */
import type { DataConfig } from '../../config/schema';
import { Registry } from '../../util/registry';
import type { Dataset } from '../types';

/** Opens one split of a data set from its configuration. */
export type DatasetFactory = (config: DataConfig, split: string) => Dataset;

export const DATASETS = new Registry<DatasetFactory>('data set');
