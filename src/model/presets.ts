/**
 * Named model configurations: the benchmark models of docs/benchmarks.md (CamVid,
 * L = 11) and the paper's full-width models (Pascal VOC, L = 21).
 */
import { ModelConfig, ModelConfigInput, parseModelConfig } from './model_config';

/** Recursively optional version of a config object (arrays are replaced whole). */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Overrides accepted by `modelPreset`. */
export type ModelOverrides = DeepPartial<ModelConfigInput>;

const benchHeads = {
  denseHead: { type: 'largefov', channels: 256, dropout: 0.5 },
  clsHead: { type: 'clsnet', hidden: 512, poolSize: 7, dropout: 0.5 },
} as const;

const paperHeads = {
  denseHead: { type: 'largefov', channels: 1024, dropout: 0.5 },
  clsHead: { type: 'clsnet', hidden: 4096, poolSize: 7, dropout: 0.5 },
} as const;

/** The presets, by name. */
export const MODEL_PRESETS: Readonly<Record<string, ModelConfigInput>> = {
  /** docs/benchmarks.md `bench-vgg`: VGG-16 LargeFOV x0.25, stride 8, 4,764,646 parameters. */
  'bench-vgg': {
    name: 'bench-vgg',
    variant: 'joint',
    numClasses: 11,
    backbone: { type: 'vgg16', width: 0.25, outputStride: 8 },
    ...benchHeads,
  },
  /** docs/benchmarks.md `bench-resnet`: ResNet-18 x0.5 with BatchNorm, stride 16. */
  'bench-resnet': {
    name: 'bench-resnet',
    variant: 'joint',
    numClasses: 11,
    backbone: { type: 'resnet', depth: 18, width: 0.5, outputStride: 16 },
    ...benchHeads,
  },
  /**
   * MobileNetV2 (ImageNet weights via `backbone.pretrained`), stride 16, with
   * the LargeFOV head and a clsNet of 256 hidden units, CamVid classes; the
   * input normalization of the published uint8 MobileNetV2 ((x − 128) / 128).
   */
  'mobilenetv2-largefov': {
    name: 'mobilenetv2-largefov',
    variant: 'joint',
    numClasses: 11,
    backbone: { type: 'mobilenetv2', width: 1, outputStride: 16 },
    denseHead: { type: 'largefov', channels: 256, dropout: 0.5 },
    clsHead: { type: 'clsnet', hidden: 256, poolSize: 7, dropout: 0.5 },
    normalize: { mean: [128, 128, 128], std: [128, 128, 128] },
  },
  /**
   * DeepLab's MobileNet-EdgeTPU with its light ASPP head (the published
   * Cityscapes model's layout, weights via `backbone.pretrained` and
   * `denseHead.pretrained`), stride 16, and a clsNet of 256 hidden units on a
   * 3x3 grid (its 1280-channel features make a 7x7 grid 16 M weights) whose
   * output starts at zero (g = 0: the pretrained head starts undisturbed), CamVid
   * classes; the input normalization of the published uint8 model ((x − 128) / 128).
   */
  'edgetpu-aspp': {
    name: 'edgetpu-aspp',
    variant: 'joint',
    numClasses: 11,
    backbone: { type: 'mobilenet-edgetpu', outputStride: 16 },
    denseHead: { type: 'aspp-lite', channels: 128, dropout: 0.1 },
    clsHead: { type: 'clsnet', hidden: 256, poolSize: 3, dropout: 0.5, outputStd: 0 },
    normalize: { mean: [128, 128, 128], std: [128, 128, 128] },
  },
  /** The paper's VGG-16 LargeFOV + clsNet, stride 8, Pascal VOC classes. */
  'deeplab-vgg16': {
    name: 'deeplab-vgg16',
    variant: 'joint',
    numClasses: 21,
    backbone: { type: 'vgg16', width: 1, outputStride: 8 },
    ...paperHeads,
  },
  /** The paper's ResNet-101 + LargeFOV head + clsNet, stride 16, Pascal VOC classes. */
  'deeplab-resnet101': {
    name: 'deeplab-resnet101',
    variant: 'joint',
    numClasses: 21,
    backbone: { type: 'resnet', depth: 101, width: 1, outputStride: 16 },
    ...paperHeads,
  },
};

/** Names of the presets. */
export function presetNames(): string[] {
  return Object.keys(MODEL_PRESETS);
}

/**
 * The validated config of preset `name`, with `overrides` merged in (nested
 * objects merge field by field; an override of `backbone.type` replaces the
 * whole backbone section). Throws on unknown names or invalid results.
 *
 * @param name a preset name (see `presetNames()`)
 * @param overrides fields to change, e.g. `{ numClasses: 21, backbone: { width: 0.125 } }`
 */
export function modelPreset(name: string, overrides: ModelOverrides = {}): ModelConfig {
  const base = MODEL_PRESETS[name];
  if (base === undefined) {
    throw new Error(`unknown model preset "${name}" (known: ${presetNames().join(', ')})`);
  }
  const merged = mergeDeep(base, overrides) as Record<string, unknown>;
  const backboneOverride = overrides.backbone as { type?: string } | undefined;
  if (backboneOverride?.type !== undefined && backboneOverride.type !== base.backbone.type) {
    merged.backbone = { ...backboneOverride };
  }
  return parseModelConfig(merged, `model preset "${name}" with overrides`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeDeep(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = mergeDeep(base[key], value);
  return out;
}
