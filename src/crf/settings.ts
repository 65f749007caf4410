/** Settings of the guidance CRF (docs/method.md §2), validated by a zod schema. */
import { z } from 'zod';
import { parseField } from '../util/validate';

export const crfSettingsSchema = z
  .object({
    /** Pairwise weight w (scale of the message against the unary logits); fitted by search. */
    w: z.number().min(0).default(5),
    /** Weight λ of the content-sensitive compatibility; 0 = plain guidance CRF. */
    lambda: z.number().min(0).default(0),
    /** Guided-filter window radius r ((2r+1)×(2r+1) windows). */
    r: z.number().int().min(1).default(4),
    /** Guided-filter regularization ε on the 0..255 image scale (paper: 10). */
    eps: z.number().positive().default(10),
    /** Mean-field iterations T (0 = no CRF, scores = unary). */
    T: z.number().int().min(0).default(5),
    /** Fast guided filter subsampling factor s (1 = exact filter). */
    subsample: z.number().int().min(1).default(1),
  })
  .strict();

/** Guidance CRF settings. */
export type CrfSettings = z.infer<typeof crfSettingsSchema>;

/** Defaults (w = 5, λ = 0 are placeholders until fitted on validation data). */
export const DEFAULT_CRF_SETTINGS: CrfSettings = crfSettingsSchema.parse({});

/** Fills defaults and validates; errors name the offending `crf.<field>`. */
export function resolveCrfSettings(partial: Partial<CrfSettings> = {}): CrfSettings {
  return parseField(crfSettingsSchema, partial, 'invalid CRF setting crf');
}
