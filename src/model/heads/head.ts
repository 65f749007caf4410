/** What the dense and global heads provide, and the registries they add themselves to. */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../config/schema';
import { Rng } from '../../util/rng';
import { ForwardContext, Module } from '../module';
import { Registry } from '../../util/registry';

/** What a head is built from: the whole model config and the backbone's output. */
export interface HeadSpec {
  /** The model config (the head reads its own section and `numClasses`). */
  config: ModelConfig;
  /** Channels of the backbone feature map F. */
  inChannels: number;
  /** Output stride of the backbone (8 or 16). */
  outputStride: number;
}

/** Dense branch: F [B, h, w, C] → local scores D [B, h, w, L]. */
export interface DenseHead extends Module {
  forward(features: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
}

/**
 * Global branch: F [B, h, w, C] → image-level scores g [B, L], in two steps so
 * the parameter-free summary can be cached: `forward` = `classify(summarize(F))`.
 */
export interface GlobalHead extends Module {
  forward(features: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
  /** The parameter-free, size-independent summary of F the scores are computed from: [B, K]. */
  summarize(features: tf.Tensor4D): tf.Tensor2D;
  /** Scores g [B, L] from summaries [B, K]. */
  classify(summary: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D;
}

/** A registered head type. */
export interface HeadEntry<H> {
  /** Builds the head with weights drawn from `rng`. */
  build(spec: HeadSpec, rng: Rng): H;
  /** Multiply-adds x2 for one sample on an `height` x `width` feature map, from shapes alone. */
  flops(spec: HeadSpec, height: number, width: number): number;
}

/** Dense heads by `denseHead.type`. */
export const DENSE_HEADS = new Registry<HeadEntry<DenseHead>>('dense head');
/** Global heads by `clsHead.type`. */
export const GLOBAL_HEADS = new Registry<HeadEntry<GlobalHead>>('global head');
