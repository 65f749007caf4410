/** Builds a segmentor from a model config. */
import { ModelConfigInput, parseModelConfig } from '../config/schema';
import { Rng } from '../util/rng';
import { GuidedSegmentor } from './segmentor';

/**
 * Builds the segmentor described by `config` (validated again here, so a
 * hand-written object gets the schema's defaults and errors).
 *
 * @param config model config (parsed or raw); components are looked up by `backbone.type`,
 *   `denseHead.type` and `clsHead.type`
 * @param seed seed of the weight initialization: the same seed gives the same weights
 */
export function buildSegmentor(config: ModelConfigInput, seed = 0): GuidedSegmentor {
  return new GuidedSegmentor(parseModelConfig(config), new Rng(seed));
}
