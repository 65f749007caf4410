/** Builds a segmentor from a model config. */
import { ModelConfigInput, parseModelConfig } from './model_config';
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

/**
 * The joint variant of a baseline `model`: the same network plus a global
 * branch (clsNet) initialized from `seed`; every other weight is copied. The
 * baseline is left as it is (dispose it when done).
 */
export function withGlobalBranch(model: GuidedSegmentor, seed = 0): GuidedSegmentor {
  if (model.config.variant === 'joint') throw new Error('withGlobalBranch: the model already has a global branch');
  const joint = buildSegmentor({ ...model.config, variant: 'joint' }, seed);
  const source = new Map(model.namedVariables());
  for (const [name, variable] of joint.namedVariables()) {
    if (name.startsWith('clsHead.')) continue;
    const value = source.get(name);
    if (!value) {
      joint.dispose();
      throw new Error(`withGlobalBranch: the baseline has no weight "${name}"`);
    }
    variable.assign(value);
  }
  return joint;
}
