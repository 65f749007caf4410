import * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraph } from '../onnx/graph';
import type { ModelConfig } from './model_config';
import type { ForwardContext, Module } from './module';

/** Raw outputs of the two branches for a batch. */
export interface SegmentorOutput {
  /** Dense-branch scores D at feature stride: [batch, h, w, L]. */
  dense: tf.Tensor4D;
  /** Global (clsNet) scores g: [batch, L]; null for the baseline variant. */
  global: tf.Tensor2D | null;
}

/** The network of docs/method.md §1: backbone + dense head (+ clsNet). */
export interface Segmentor extends Module {
  readonly config: ModelConfig;
  /**
   * Runs both branches. `images` are RGB 0..255, NHWC float32, any size; the
   * segmentor normalizes them itself.
   */
  forward(images: tf.Tensor4D, ctx: ForwardContext): SegmentorOutput;
  /**
   * Fused unary U = D + g (g broadcast over positions; D alone for the
   * baseline), bilinearly upsampled to [height, width]: [batch, height, width, L].
   */
  unary(out: SegmentorOutput, height: number, width: number): tf.Tensor4D;
  /**
   * `forward` then `unary` (inference mode) as ONNX nodes: `image` [N, H, W, 3]
   * RGB 0..255 and `size` [2] (int64 height and width of U) in, U [N, height,
   * width, L] and g [N, L] (null for the baseline) out.
   */
  toOnnx(g: OnnxGraph, image: string, size: string): { unary: string; global: string | null };
}
