/**
 * `model.backbone.pretrained`: reads the published weight file named there
 * and loads it into a segmentor's backbone. Each backbone type that can start
 * from published weights registers its importer here by name.
 */
import * as fs from 'node:fs';
import type { ModelConfig } from '../config/schema';
import type { Backbone, BackboneConfig } from '../model/backbones/backbone';
import { Registry } from '../model/registry';
import { importDarknetTiny } from './darknet_tfjs';
import { importMobileNetV2 } from './mobilenetv2_tflite';
import { assignWeights, ImportedNetwork } from './named_weights';
import { readLayersModel } from './tfjs_layers';
import { readTflite } from './tflite';

/** Reads a published file into named weights for one backbone type. */
export type PretrainedImporter = (file: string, config: BackboneConfig) => ImportedNetwork;

/** Importers by `backbone.type`. */
export const PRETRAINED_IMPORTERS = new Registry<PretrainedImporter>('pretrained-weight importer');

/** The bytes of `file`; the error names it. */
export function readWeightFile(file: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (err) {
    throw new Error(`cannot read pretrained weights ${file}: ${(err as Error).message}`);
  }
}

/** The published weights exist at width 1 only. */
function requireWidthOne(config: BackboneConfig, file: string): void {
  if ((config as { width?: number }).width !== 1) {
    throw new Error(`model.backbone.width: the published ${config.type} weights (${file}) need width 1`);
  }
}

PRETRAINED_IMPORTERS.register('mobilenetv2', (file, config) => {
  requireWidthOne(config, file);
  return importMobileNetV2(readTflite(readWeightFile(file), file));
});

PRETRAINED_IMPORTERS.register('darknet-tiny', (file, config) => {
  requireWidthOne(config, file);
  return importDarknetTiny(readLayersModel(file));
});

/**
 * Loads the weights of `config.backbone.pretrained` into `backbone`. Throws,
 * before changing anything, when the file is missing, of another network or
 * format, or when `model.normalize` differs from the input normalization the
 * weights were trained with (both are named).
 */
export function loadPretrainedBackbone(backbone: Backbone, config: ModelConfig): ImportedNetwork | null {
  const file = (config.backbone as { pretrained?: string }).pretrained;
  if (!file) return null;
  const imported = PRETRAINED_IMPORTERS.get(config.backbone.type)(file, config.backbone);
  const { mean, std } = imported.normalization;
  const close = (a: readonly number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 0.01 * Math.max(1, Math.abs(b[i])));
  if (!close(config.normalize.mean, mean) || !close(config.normalize.std, std)) {
    throw new Error(
      `model.normalize: ${file} was trained on (x - [${mean.join(', ')}]) / [${std.map((v) => +v.toFixed(3)).join(', ')}], ` +
        `the config says (x - [${config.normalize.mean.join(', ')}]) / [${config.normalize.std.join(', ')}]`,
    );
  }
  assignWeights(backbone, imported.backbone, file);
  return imported;
}
