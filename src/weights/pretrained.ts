/**
 * `model.backbone.pretrained`: reads the published weight file named there
 * and loads it into a segmentor's backbone and, with
 * `model.denseHead.pretrained`, its dense head (DeepLab files). Each backbone
 * type that can start from published weights registers its importer here by
 * name.
 */
import * as fs from 'node:fs';
import type { ModelConfig } from '../model/model_config';
import type { BackboneConfig } from '../model/backbones/backbone';
import type { Module } from '../model/module';
import { Registry } from '../util/registry';
import { importDarknetTiny } from './darknet_tfjs';
import { importDeepLabEdgeTpu } from './deeplab_edgetpu_tflite';
import { importMobileNetV2 } from './mobilenetv2_tflite';
import { assignWeights, checkWeights, ImportedNetwork, NamedWeights } from './named_weights';
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

PRETRAINED_IMPORTERS.register('mobilenet-edgetpu', (file) => importDeepLabEdgeTpu(readTflite(readWeightFile(file), file)));

PRETRAINED_IMPORTERS.register('darknet-tiny', (file, config) => {
  requireWidthOne(config, file);
  return importDarknetTiny(readLayersModel(file));
});

/** The parts of a segmentor the published weights load into. */
export interface PretrainedTarget {
  backbone: Module;
  denseHead: Module;
}

/**
 * Loads the weights of `config.backbone.pretrained` into `model.backbone`
 * and, when `config.denseHead.pretrained`, into `model.denseHead` (its output
 * layer from `denseHead.classMap`, or left as initialized). Throws, before
 * changing anything, when the file is missing, of another network or format,
 * when its head does not fit the config, or when `model.normalize` differs
 * from the input normalization the weights were trained with (all named).
 * Returns null when the config names no file.
 */
export function loadPretrained(model: PretrainedTarget, config: ModelConfig): ImportedNetwork | null {
  const file = (config.backbone as { pretrained?: string }).pretrained;
  if (!file) {
    if (config.denseHead.pretrained) throw new Error('model.denseHead.pretrained: needs model.backbone.pretrained, the file the head is read from');
    return null;
  }
  const imported = PRETRAINED_IMPORTERS.get(config.backbone.type)(file, config.backbone);
  const { mean, std } = imported.normalization;
  const close = (a: readonly number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 0.01 * Math.max(1, Math.abs(b[i])));
  if (!close(config.normalize.mean, mean) || !close(config.normalize.std, std)) {
    throw new Error(
      `model.normalize: ${file} was trained on (x - [${mean.join(', ')}]) / [${std.map((v) => +v.toFixed(3)).join(', ')}], ` +
        `the config says (x - [${config.normalize.mean.join(', ')}]) / [${config.normalize.std.join(', ')}]`,
    );
  }
  const head = config.denseHead.pretrained ? denseHeadWeights(imported, model.denseHead, config) : null;
  checkWeights(model.backbone, imported.backbone, file);
  if (head) {
    checkWeights(model.denseHead, head, file, 'dense head');
    assignWeights(model.denseHead, head, file, 'dense head');
  }
  assignWeights(model.backbone, imported.backbone, file);
  return imported;
}

/**
 * The dense head's weights from the file: the published head with its output
 * layer rebuilt for this model's classes (each the average of the published
 * classes `classMap` lists for it), or the head's own output layer.
 */
function denseHeadWeights(imported: ImportedNetwork, head: Module, config: ModelConfig): NamedWeights {
  const { file } = imported;
  const published = imported.denseHead;
  if (!published) throw new Error(`model.denseHead.pretrained: ${file} holds no dense head (only a backbone)`);
  if (published.type !== config.denseHead.type) {
    throw new Error(`model.denseHead.type: ${file} holds a "${published.type}" head, the config says "${config.denseHead.type}"`);
  }
  if (published.channels !== config.denseHead.channels) {
    throw new Error(`model.denseHead.channels: the head in ${file} has ${published.channels}, the config says ${config.denseHead.channels}`);
  }
  const out: NamedWeights = new Map([...published.weights].filter(([name]) => !name.startsWith('logits.')));
  const own = new Map(head.namedTrainableVariables());
  const classMap = config.denseHead.classMap;
  if (!classMap) {
    for (const name of ['logits.weight', 'logits.bias']) {
      const v = own.get(name);
      if (v) out.set(name, { shape: v.shape, values: v.dataSync() as Float32Array, source: `${name} (as initialized)` });
    }
    return out;
  }
  const classes = config.numClasses;
  if (classMap.length !== classes) throw new Error(`model.denseHead.classMap: ${classMap.length} entries, model.numClasses is ${classes}`);
  classMap.forEach((ids, l) =>
    ids.forEach((id) => {
      if (id >= imported.classifierOutputs) throw new Error(`model.denseHead.classMap[${l}]: class ${id}, ${file} has ${imported.classifierOutputs} classes`);
    }),
  );
  const weight = published.weights.get('logits.weight');
  const bias = published.weights.get('logits.bias');
  if (!weight || !bias) throw new Error(`${file}: the dense head has no output layer`);
  const [kh, kw, inC, k] = weight.shape;
  const w = new Float32Array(kh * kw * inC * classes);
  const b = new Float32Array(classes);
  classMap.forEach((ids, l) => {
    for (const id of ids) {
      for (let i = 0; i < kh * kw * inC; i++) w[i * classes + l] += weight.values[i * k + id] / ids.length;
      b[l] += bias.values[id] / ids.length;
    }
  });
  out.set('logits.weight', { shape: [kh, kw, inC, classes], values: w, source: `${weight.source} (classMap)` });
  out.set('logits.bias', { shape: [classes], values: b, source: `${bias.source} (classMap)` });
  return out;
}
