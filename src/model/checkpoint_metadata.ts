/**
 * What a checkpoint's `model.json` records beside the network
 * (`userDefinedMetadata`), described once and validated when a checkpoint is
 * read. Training writes `classes`, `palette`, `trainedOn` and `iteration`;
 * `refit-cls` adds `globalRefit`; fitting adds the inference settings
 * (`crf`, `crfFit`, `crfAveraged`, `combineWeights`, validated in detail by
 * pipeline/model_settings.ts); `pack` adds `testScale` and `provenance`.
 * Unknown keys are kept, so newer files still load.
 */
import { z } from 'zod';
import { parseWith } from '../util/validate';

const channel = z.number().int().min(0).max(255);

export const checkpointMetadataSchema = z
  .object({
    /** Class names, in class-id order. */
    classes: z.array(z.string()).min(1).optional(),
    /** Display colour of each class. */
    palette: z.array(z.tuple([channel, channel, channel])).min(1).optional(),
    /** Data set and split the model was trained on, e.g. `camvid/train`. */
    trainedOn: z.string().optional(),
    /** Training iterations done. */
    iteration: z.number().int().nonnegative().optional(),
    /** Record of a refit of the global branch (refit-cls). */
    globalRefit: z.record(z.string(), z.unknown()).optional(),
    /** Input scale of the single-candidate pipeline. */
    testScale: z.number().positive().optional(),
    /** Where a packed model comes from: config, commit, evaluation, pretrained weights and their licence. */
    provenance: z.record(z.string(), z.unknown()).optional(),
    crf: z.unknown().optional(),
    crfFit: z.unknown().optional(),
    crfAveraged: z.unknown().optional(),
    combineWeights: z.unknown().optional(),
  })
  .passthrough();

export type CheckpointMetadata = z.infer<typeof checkpointMetadataSchema>;

/** Validates checkpoint metadata for a model of `numClasses` classes; errors name `source` and the field. */
export function parseCheckpointMetadata(raw: unknown, numClasses: number, source: string): CheckpointMetadata {
  const metadata = parseWith(checkpointMetadataSchema, raw ?? {}, `${source} userDefinedMetadata`);
  for (const key of ['classes', 'palette'] as const) {
    const list = metadata[key];
    if (list !== undefined && list.length !== numClasses) {
      throw new Error(`${source} userDefinedMetadata.${key}: ${list.length} entries, the model has ${numClasses} classes`);
    }
  }
  return metadata;
}
