/**
 * Analytic FLOP count of the forward pass: multiply-adds x2 of every
 * convolution and fully connected layer, from shapes alone (nothing is built).
 * Elementwise work (bias, ReLU, BatchNorm, pooling, upsampling) is ignored.
 * A training step (forward + backward) costs about 3x the forward count.
 */
import { ModelConfigInput, parseModelConfig } from './model_config';
import { BACKBONES } from './backbones';
import { DENSE_HEADS, GLOBAL_HEADS } from './heads';

/** FLOPs of one forward pass by part, for the whole batch. */
export interface FlopCount {
  backbone: number;
  denseHead: number;
  /** 0 for the baseline variant. */
  clsHead: number;
  total: number;
}

/**
 * FLOPs of the forward pass by part.
 *
 * @param config model config (parsed or raw)
 * @param height input image height in pixels
 * @param width input image width in pixels
 * @param batch number of images
 */
export function flopBreakdown(config: ModelConfigInput, height: number, width: number, batch = 1): FlopCount {
  const cfg = parseModelConfig(config);
  const features = BACKBONES.get(cfg.backbone.type).analyze(cfg.backbone, height, width);
  const spec = { numClasses: cfg.numClasses, inChannels: features.channels, outputStride: cfg.backbone.outputStride };
  const backbone = features.flops * batch;
  const denseHead = DENSE_HEADS.get(cfg.denseHead.type).flops({ ...spec, config: cfg.denseHead }, features.height, features.width) * batch;
  const clsHead =
    cfg.variant === 'joint'
      ? GLOBAL_HEADS.get(cfg.clsHead.type).flops({ ...spec, config: cfg.clsHead }, features.height, features.width) * batch
      : 0;
  return { backbone, denseHead, clsHead, total: backbone + denseHead + clsHead };
}

/**
 * FLOPs (multiply-adds x2) of one forward pass of `batch` images of
 * `height` x `width` (e.g. about 10.5e9 for `bench-vgg` at 360x480).
 */
export function countFlops(config: ModelConfigInput, height: number, width: number, batch = 1): number {
  return flopBreakdown(config, height, width, batch).total;
}
