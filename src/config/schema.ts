/**
 * Typed, validated configuration. Every part of a run (model, data, training)
 * is picked by name here; unknown fields are rejected so a typo never passes
 * silently.
 */
import { z } from 'zod';
import { parseWith } from '../util/validate';

const positiveInt = z.number().int().positive();
const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

export const vggBackboneSchema = z
  .object({
    type: z.literal('vgg16'),
    /** Channel multiplier of every conv (1 = the paper's 64-128-256-512-512). */
    width: z.number().positive().default(1),
    outputStride: z.union([z.literal(8), z.literal(16)]).default(8),
  })
  .strict();

export const resnetBackboneSchema = z
  .object({
    type: z.literal('resnet'),
    depth: z.union([z.literal(18), z.literal(34), z.literal(50), z.literal(101)]).default(101),
    /** Channel multiplier (1 = 64-128-256-512 stage widths before bottleneck expansion). */
    width: z.number().positive().default(1),
    outputStride: z.union([z.literal(8), z.literal(16)]).default(16),
  })
  .strict();

/** Path of a published weight file for a backbone (resolved against the config file's folder). */
const pretrainedPath = z.string().min(1).optional();

export const mobilenetv2BackboneSchema = z
  .object({
    type: z.literal('mobilenetv2'),
    /** Channel multiplier (1 = the published network; pretrained weights need 1). */
    width: z.number().positive().default(1),
    /** 8 or 16 dilate the last stages; 32 is the published classifier's stride. */
    outputStride: z.union([z.literal(8), z.literal(16), z.literal(32)]).default(16),
    /** `symmetric` keeps features aligned with the pixels; `tf` is TensorFlow's SAME (exact for the published classifier). */
    padding: z.enum(['symmetric', 'tf']).default('symmetric'),
    /** ImageNet weights to start from: a MobileNetV2 TFLite file (uint8 or int8 quantized, or float). */
    pretrained: pretrainedPath,
  })
  .strict();

export const darknetTinyBackboneSchema = z
  .object({
    type: z.literal('darknet-tiny'),
    /** Channel multiplier (1 = the published network; pretrained weights need 1). */
    width: z.number().positive().default(1),
    outputStride: z.union([z.literal(8), z.literal(16)]).default(16),
    /** `symmetric`: 3x3/2 pools that keep features aligned with the pixels; `tf`: the published 2x2 SAME pools. */
    padding: z.enum(['symmetric', 'tf']).default('symmetric'),
    /** ImageNet weights to start from: the Tiny Darknet tfjs layers model folder (or its model.json). */
    pretrained: pretrainedPath,
  })
  .strict();

export const mobilenetEdgeTpuBackboneSchema = z
  .object({
    type: z.literal('mobilenet-edgetpu'),
    /** 16: the published DeepLab network (last stage dilated by 2); 8 also dilates the 72-channel stages. */
    outputStride: z.union([z.literal(8), z.literal(16)]).default(16),
    /** Weights to start from: the DeepLab MobileNet-EdgeTPU TFLite file (Cityscapes). */
    pretrained: pretrainedPath,
  })
  .strict();

export const modelSchema = z
  .object({
    /** Display name, e.g. `bench-vgg`. */
    name: z.string().default('custom'),
    /** `joint`: dense branch + clsNet (U = D + g); `baseline`: dense branch only. */
    variant: z.enum(['joint', 'baseline']).default('joint'),
    numClasses: positiveInt,
    backbone: z.discriminatedUnion('type', [vggBackboneSchema, resnetBackboneSchema, mobilenetv2BackboneSchema, darknetTinyBackboneSchema, mobilenetEdgeTpuBackboneSchema]),
    denseHead: z
      .object({
        /** Dense head by registered name (`largefov`: DeepLab LargeFOV fc6-fc8; `aspp-lite`: DeepLab's 1x1 + image-pooling head). */
        type: z.string().default('largefov'),
        /** Channels of fc6 and fc7 (paper: 1024), or of each aspp-lite branch and its projection. */
        channels: positiveInt.default(1024),
        /** Dilation of fc6; default 12 at output stride 8, 6 at 16. */
        dilation: positiveInt.optional(),
        dropout: z.number().min(0).max(1).default(0.5),
        /** Load the head from the backbone's pretrained file too (a DeepLab file whose head has this type and width). */
        pretrained: z.boolean().default(false),
        /**
         * With `pretrained`: for each class of this model, the pretrained model's output classes whose
         * output-layer rows (averaged) initialize it; without it the output layer starts random.
         */
        classMap: z.array(z.array(z.number().int().nonnegative()).min(1)).optional(),
      })
      .strict()
      .default({ type: 'largefov', channels: 1024, dropout: 0.5, pretrained: false }),
    clsHead: z
      .object({
        /** Global (classification) head by registered name (`clsnet`); unused by the baseline. */
        type: z.string().default('clsnet'),
        /** Width of the two hidden FC layers (paper: 4096). */
        hidden: positiveInt.default(4096),
        /** Side of the adaptive max-pool grid (paper: 7). */
        poolSize: positiveInt.default(7),
        dropout: z.number().min(0).max(1).default(0.5),
        /** Std of the output layer's initial weights; 0 starts g at 0, so a pretrained dense head is not disturbed by a random global branch. */
        outputStd: z.number().nonnegative().default(0.01),
      })
      .strict()
      .default({ type: 'clsnet', hidden: 4096, poolSize: 7, dropout: 0.5, outputStd: 0.01 }),
    /** Per-channel normalization of the 0..255 RGB input: (x - mean) / std. */
    normalize: z
      .object({ mean: rgbTriple, std: rgbTriple })
      .strict()
      .default({ mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] }),
  })
  .strict();

export const contextDataSchema = z
  .object({
    /** Seed of the generator; the same seed always gives the same images. */
    seed: z.number().int().default(0),
    trainSize: positiveInt.default(200),
    valSize: positiveInt.default(50),
    height: positiveInt.default(64),
    width: positiveInt.default(64),
    /** Standard deviation of the per-pixel Gaussian noise, on the 0..255 scale. */
    noise: z.number().nonnegative().default(10),
  })
  .strict();

export const vocDataSchema = z
  .object({
    /** Folder of the images, `<id>.jpg` (or .jpeg/.png), under data.root. */
    imageDir: z.string().default('JPEGImages'),
    /** Folder of the label PNGs, `<id>.png` (e.g. `SegmentationClassAug` for the augmented set). */
    labelDir: z.string().default('SegmentationClass'),
    /** Folder of the split lists, `<split>.txt`. */
    listDir: z.string().default('ImageSets/Segmentation'),
  })
  .strict();

export const dataSchema = z
  .object({
    /** Dataset by registered name: `camvid`, `voc`, `context`. */
    type: z.string(),
    /** Folder of the data set on disk (not used by `context`). */
    root: z.string().optional(),
    trainSplit: z.string().default('train'),
    valSplit: z.string().default('val'),
    /** Settings of the synthetic `context` data set. */
    context: contextDataSchema.optional(),
    /** Folder layout of the `voc` data set (defaults: the Pascal VOC 2012 layout). */
    voc: vocDataSchema.optional(),
  })
  .strict();

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
    /** Data-parallel worker threads (each with its own backend). */
    workers: positiveInt.default(1),
    /** Samples that share BatchNorm statistics (0: the whole SGD batch). */
    bnGroupSize: z.number().int().nonnegative().default(0),
    /**
     * Joint models: after the last step, refit the global branch on whole
     * training images at the test scales, backbone and dense head frozen
     * (train/refit_global.ts); `final/` then holds the refitted model. Absent: no refit.
     */
    /**
     * After training, train the global branch on whole images at the test scales, the rest of the network
     * frozen. A baseline model gets a fresh global branch first, so the final model is the joint variant
     * (the global branch trained after the dense network, not with it).
     */
    globalRefit: globalRefitSchema.optional(),
  })
  .strict();

export const backendSchema = z.enum(['auto', 'wasm', 'cpu', 'tensorflow']);

export const configSchema = z
  .object({
    model: modelSchema,
    data: dataSchema,
    train: trainSchema,
    backend: backendSchema.default('wasm'),
  })
  .strict();

export type ModelConfig = z.infer<typeof modelSchema>;
export type ModelConfigInput = z.input<typeof modelSchema>;
export type DataConfig = z.infer<typeof dataSchema>;
export type TrainConfig = z.infer<typeof trainSchema>;
export type BackendName = z.infer<typeof backendSchema>;
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Validates a whole run config. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  return parseWith(configSchema, raw, source);
}

/** Validates a model config alone. */
export function parseModelConfig(raw: unknown, source = 'model config'): ModelConfig {
  return parseWith(modelSchema, raw, source);
}
