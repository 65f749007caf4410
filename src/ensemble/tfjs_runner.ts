/** The network on tfjs: the model's own modules (training's runtime; the fallback for inference). */
import type { Segmentor } from '../model/types';
import { candidateMaps } from './infer';
import type { NetworkRunner } from './network';

/** The network on tfjs. */
export function tfjsRunner(model: Segmentor): NetworkRunner {
  return {
    runtime: 'tfjs',
    numClasses: model.config.numClasses,
    candidateMaps: async (image, height, width, opts) => candidateMaps(model, image, height, width, opts),
    release: async () => {},
  };
}
