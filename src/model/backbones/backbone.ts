/** What every backbone provides, and the registry backbones add themselves to. */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../config/schema';
import { Rng } from '../../util/rng';
import { ForwardContext, Module } from '../module';
import { Registry } from '../../util/registry';

/** The `backbone` section of a model config (one variant per registered type). */
export type BackboneConfig = ModelConfig['backbone'];

/** A feature extractor: image batch → final feature map F. */
export interface Backbone extends Module {
  /** Channels of the feature map F. */
  readonly outChannels: number;
  /** Input pixels per feature-map pixel along each axis (8 or 16). */
  readonly outputStride: number;
  /** Feature map of `x` [B, H, W, 3] (already normalized): [B, ceil(H/s), ceil(W/s), outChannels]. */
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
}

/** Shape of a feature map and the cost of producing it, from shapes alone. */
export interface BackboneAnalysis {
  height: number;
  width: number;
  channels: number;
  /** Multiply-adds x2 of convolutions for one sample. */
  flops: number;
}

/** A registered backbone type. */
export interface BackboneEntry {
  /** Builds the backbone with weights drawn from `rng`. */
  build(config: BackboneConfig, rng: Rng): Backbone;
  /** Output shape and FLOPs for an input of `height` x `width`, without building anything. */
  analyze(config: BackboneConfig, height: number, width: number): BackboneAnalysis;
}

/** Backbones by `backbone.type`. */
export const BACKBONES = new Registry<BackboneEntry>('backbone');

/** Narrows a backbone config to the variant `type`, or throws naming the field. */
export function expectBackbone<T extends BackboneConfig['type']>(
  config: BackboneConfig,
  type: T,
): Extract<BackboneConfig, { type: T }> {
  if (config.type !== type) throw new Error(`backbone.type: expected "${type}", got "${config.type}"`);
  return config as Extract<BackboneConfig, { type: T }>;
}

/** Channels of a layer after the width multiplier (at least 1). */
export function scaledChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}
