/**
 * Typed, validated run configuration: model (config/model_schema.ts), data and
 * training. Components are picked by registered name; unknown fields are
 * rejected so a typo never passes silently.
 */
import { z } from 'zod';
import '../data/datasets';
import { DATASETS } from '../data/datasets/dataset';
import { parseWith } from '../util/validate';
import { backendSchema } from '../engine/backend';
import { modelSchema } from '../model/model_config';
import { withRegisteredOptions } from '../util/registry_sections';

const positiveInt = z.number().int().positive();

/** The `data` section: the data set by registered name, and any data set's own options under its name. */
export const dataSchema = withRegisteredOptions(
  {
    /** Data set by registered name. */
    type: z.string(),
    /** Folder of the data set on disk (unused by generated data sets). */
    root: z.string().optional(),
    trainSplit: z.string().default('train'),
    valSplit: z.string().default('val'),
  },
  DATASETS,
);

export const globalRefitSchema = z
  .object({
    /** View scales: the scales the model is tested at (e.g. the ensemble's). */
    scales: z.array(z.number().positive()).min(1),
    /** Also the mirrored view of each scale. */
    flip: z.boolean().default(true),
    /** Passes over the cached views. */
    epochs: positiveInt.default(30),
    /** Views per SGD step. */
    batchSize: positiveInt.default(16),
    /**
     * Base learning rate of the refit's poly schedule (momentum, weight decay, poly exponent and β: the training's).
     * On CamVid 0.01 killed every hidden unit (g became a constant class prior); 0.001 did not.
     */
    baseLr: z.number().positive().default(0.001),
    /**
     * Weight the refit's cross-entropy with `train.classWeights` (default: unweighted). g is added to every
     * pixel's scores, and a class-weighted loss teaches it to favour rare classes in every image: on CamVid
     * the weighted refit scored 72.19 % val mIoU, the unweighted one 76.39 % (scale 2, no CRF).
     */
    classWeights: z.boolean().default(false),
    /** β of the refit (default: `train.clsLossWeight`, or 1 when a baseline gets its global branch here). */
    clsLossWeight: z.number().nonnegative().optional(),
  })
  .strict();

export const trainSchema = z
  .object({
    iterations: positiveInt,
    batchSize: positiveInt.default(2),
    /** Random crop size [height, width]; smaller images are padded (label: ignore). */
    cropSize: z.tuple([positiveInt, positiveInt]).default([256, 256]),
    /** Random rescale factor range; [1, 1] disables it. */
    scaleRange: z.tuple([z.number().positive(), z.number().positive()]).default([0.5, 2.0]),
    flip: z.boolean().default(true),
    baseLr: z.number().positive().default(0.01),
    /** Exponent of the poly schedule lr = baseLr * (1 - iter/iterations)^power. */
    lrPower: z.number().nonnegative().default(0.9),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().nonnegative().default(5e-4),
    /** Weight β of the classification (BCE) term. */
    clsLossWeight: z.number().nonnegative().default(1),
    /**
     * Per-class weights of the cross-entropy: a list (one per class), or
     * `median-frequency` (computed from the training split's labels). Absent: unweighted.
     */
    classWeights: z.union([z.array(z.number().nonnegative()), z.literal('median-frequency')]).optional(),
    /**
     * Learning-rate multipliers by module path, e.g. `{ "clsHead": 0.1 }`:
     * every trainable variable under the path steps at `lr · factor`
     * (the longest matching path wins; the rest step at `lr`).
     */
    lrMult: z.record(z.string().min(1), z.number().nonnegative()).default({}),
    seed: z.number().int().default(0),
    logInterval: positiveInt.default(10),
    checkpointInterval: positiveInt.default(200),
    /**
     * Validate every this many iterations (and at the end) on data.valSplit: single scale, no CRF; the mIoU goes to
     * metrics.jsonl and the plots, and the best model so far is kept in <work dir>/best. Absent: no validation.
     */
    evalInterval: positiveInt.optional(),
    /** Validate on the first this many images of the split only (absent: all). */
    evalLimit: positiveInt.optional(),
    /** Data-parallel worker threads (each with its own backend). */
    workers: positiveInt.default(1),
    /** Samples that share BatchNorm statistics (0: the whole SGD batch). */
    bnGroupSize: z.number().int().nonnegative().default(0),
    /**
     * After training, train the global branch on whole images at the test scales, the rest of the network
     * frozen. A baseline model gets a fresh global branch first, so the final model is the joint variant
     * (the global branch trained after the dense network, not with it).
     */
    globalRefit: globalRefitSchema.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    model: modelSchema,
    data: dataSchema,
    train: trainSchema,
    backend: backendSchema.default('wasm'),
  })
  .strict();

export type TrainConfig = z.infer<typeof trainSchema>;
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Validates a whole run config. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  return parseWith(configSchema, raw, source);
}
