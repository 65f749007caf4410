/**
 * The `model` section of a config, also what a saved model's topology holds.
 * The backbone and head sections are assembled from the registries, each
 * component validating its own fields (util/registry_sections.ts). No Node imports:
 * a browser page parses model files with it.
 */
import { z } from 'zod';
import { parseWith } from '../util/validate';
import { registeredSection } from '../util/registry_sections';
import { BACKBONES } from './backbones';
import { DENSE_HEADS, GLOBAL_HEADS } from './heads';

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

export const modelSchema = z
  .object({
    /** Display name, e.g. `bench-vgg`. */
    name: z.string().default('custom'),
    /** `joint`: dense branch + clsNet (U = D + g); `baseline`: dense branch only. */
    variant: z.enum(['joint', 'baseline']).default('joint'),
    numClasses: z.number().int().positive(),
    /** Backbone by registered name; the rest of the section is that backbone's own fields. */
    backbone: registeredSection(BACKBONES),
    /** Dense head by registered name; the rest of the section is that head's own fields. */
    denseHead: registeredSection(DENSE_HEADS, 'largefov').prefault({}),
    /** Global (classification) head by registered name; unused by the baseline. */
    clsHead: registeredSection(GLOBAL_HEADS, 'clsnet').prefault({}),
    /** Per-channel normalization of the 0..255 RGB input: (x - mean) / std. */
    normalize: z
      .object({ mean: rgbTriple, std: rgbTriple })
      .strict()
      .default({ mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] }),
  })
  .strict();

export type ModelConfig = z.infer<typeof modelSchema>;
export type ModelConfigInput = z.input<typeof modelSchema>;

/** Validates a model config alone. */
export function parseModelConfig(raw: unknown, source = 'model config'): ModelConfig {
  return parseWith(modelSchema, raw, source);
}
