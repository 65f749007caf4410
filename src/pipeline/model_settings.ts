/**
 * Inference settings stored with a model in its checkpoint's `model.json`
 * (`userDefinedMetadata`): the fitted guidance CRF settings (`crf`, with the
 * search record `crfFit`) and the learned combination weights (`combineWeights`).
 * Updating them rewrites `model.json` alone, atomically; the weights file and
 * its checksum stay as they are.
 */
import { z } from 'zod';
import { parseField } from '../util/validate';
import { crfSettingsSchema, type CrfSettings } from '../crf/settings';
import type { CombineMode } from '../ensemble/combine';

const combineModeSchema = z.enum(['avg', 'max', 'avgmax', 'learned']) satisfies z.ZodType<CombineMode>;

/** Learned combination weights and the candidate set they belong to. */
export const combineWeightsSchema = z
  .object({
    /** Candidate scales, in the order the weights are stored. */
    scales: z.array(z.number().positive()).min(1),
    /** Whether each scale also has a flipped candidate (stored right after the unflipped one). */
    flip: z.boolean(),
    numClasses: z.number().int().positive(),
    /** λ [N × L] row-major: candidate-major, classes fastest. */
    weights: z.array(z.number()),
    /** Free-form record of how they were fitted (data, loss before and after). */
    fit: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((c) => c.weights.length === c.scales.length * (c.flip ? 2 : 1) * c.numClasses, {
    message: 'weights must hold (scales × (flip ? 2 : 1)) × numClasses values',
  });

export type StoredCombineWeights = z.infer<typeof combineWeightsSchema>;

/**
 * A CRF fitted on the averaged candidates, kept beside `crf` when `crf` was
 * fitted on the learned combination (the ablation's rows before "+ learn to
 * combine" use it).
 */
export const crfAveragedSchema = z
  .object({
    settings: crfSettingsSchema,
    /** Best setting with λ = 0 of the same search. */
    potts: crfSettingsSchema.nullable(),
    /** What it was fitted on, e.g. "camvid/val, first 20 images". */
    data: z.string(),
  })
  .strict();

export type StoredCrfAveraged = z.infer<typeof crfAveragedSchema>;

/** Metadata keys of the settings fitted for one network's scores (stale once its weights change). */
export const FITTED_SETTING_KEYS = ['crf', 'crfFit', 'crfAveraged', 'combineWeights'] as const;

/** The inference settings found in a checkpoint's metadata (absent ones undefined). */
export interface StoredInferenceSettings {
  crf?: CrfSettings;
  /** Best setting with λ = 0 found by the same search (the plain guidance CRF row of the ablation). */
  crfPotts?: CrfSettings;
  /** How the candidates were combined when `crf` was fitted (`crfFit.combine`; absent record: avg). */
  crfCombine?: CombineMode;
  crfAveraged?: StoredCrfAveraged;
  combineWeights?: StoredCombineWeights;
  /** Input scale of the single-candidate pipeline (the scale the model was tuned for); absent: 1. */
  testScale?: number;
}

/**
 * Reads `crf`, `crfFit.potts`, `crfFit.combine`, `crfAveraged`, `combineWeights` and `testScale` from checkpoint metadata,
 * validating them; errors name the file and field.
 *
 * @param source name used in error messages (e.g. the model.json path)
 */
export function inferenceSettingsFromMetadata(
  metadata: Record<string, unknown> | undefined,
  numClasses: number,
  source = 'model.json',
): StoredInferenceSettings {
  const out: StoredInferenceSettings = {};
  if (!metadata) return out;
  const where = `${source} userDefinedMetadata`;
  if (metadata.crf !== undefined) out.crf = parseField(crfSettingsSchema, metadata.crf, `${where}.crf`);
  const fit = metadata.crfFit as { potts?: unknown; combine?: unknown } | undefined;
  if (fit && typeof fit === 'object' && fit.potts !== undefined) {
    out.crfPotts = parseField(crfSettingsSchema, fit.potts, `${where}.crfFit.potts`);
  }
  if (out.crf) {
    const combine = fit && typeof fit === 'object' ? fit.combine : undefined;
    out.crfCombine = combine === undefined ? 'avg' : parseField(combineModeSchema, combine, `${where}.crfFit.combine`);
  }
  if (metadata.crfAveraged !== undefined) out.crfAveraged = parseField(crfAveragedSchema, metadata.crfAveraged, `${where}.crfAveraged`);
  if (metadata.testScale !== undefined) out.testScale = parseField(z.number().positive(), metadata.testScale, `${where}.testScale`);
  if (metadata.combineWeights !== undefined) {
    const c = parseField(combineWeightsSchema, metadata.combineWeights, `${where}.combineWeights`);
    if (c.numClasses !== numClasses) {
      throw new Error(`${where}.combineWeights: stored for ${c.numClasses} classes, the model has ${numClasses}`);
    }
    out.combineWeights = c;
  }
  return out;
}
