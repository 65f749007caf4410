/** The registry of data set types: each data set file registers itself under its `data.type` name. */
import type { z } from 'zod';
import { Registry } from '../../util/registry';
import type { Dataset } from '../types';

/** The `data` section of a run config. */
export interface DataConfig {
  /** Data set by registered name. */
  type: string;
  /** Folder of the data set on disk (unused by generated data sets). */
  root?: string;
  trainSplit: string;
  valSplit: string;
  /** Set by `data check`: a missing file is one more bad pair, reported when read, instead of an error on opening. */
  deferMissingFiles?: boolean;
  /** A data set's own options, under its name (validated by its `options` schema), e.g. `context: { seed: 3 }`. */
  [dataset: string]: unknown;
}

/** Opens one split of a data set from its configuration. */
export type DatasetFactory = (config: DataConfig, split: string) => Dataset;

/** A registered data set type. */
export interface DatasetEntry {
  open: DatasetFactory;
  /** Its options (`data.<name>` in a config), if it has any. */
  options?: z.ZodType;
}

/** Data sets by `data.type`; `config/schema.ts` accepts the options each one registers. */
export const DATASETS = new Registry<DatasetEntry>('data set');
