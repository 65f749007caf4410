/** What every backbone provides, and the registry backbones add themselves to. */
import * as tf from '@tensorflow/tfjs-core';
import type { z } from 'zod';
import type { OnnxGraph } from '../../onnx/graph';
import { Rng } from '../../util/rng';
import { ForwardContext, Module } from '../module';
import { Registry } from '../../util/registry';

/** What every `model.backbone` section holds; each backbone's schema adds its own fields. */
export type BackboneConfig = {
  /** The registered name. */
  type: string;
  /** Input pixels per feature-map pixel along each axis. */
  outputStride: number;
  /** Channel multiplier, where the backbone has one. */
  width?: number;
  /** Published weight file to start from, where the backbone reads one. */
  pretrained?: string;
  /** The backbone's own fields. */
  [field: string]: unknown;
};

/** A feature extractor: image batch → final feature map F. */
export interface Backbone extends Module {
  /** Channels of the feature map F. */
  readonly outChannels: number;
  /** Input pixels per feature-map pixel along each axis (8 or 16). */
  readonly outputStride: number;
  /** Feature map of `x` [B, H, W, 3] (already normalized): [B, ceil(H/s), ceil(W/s), outChannels]. */
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
  /** The same network (inference mode) in ONNX on NCHW value `x`; returns F (NCHW). `name` is the module path. */
  toOnnx(g: OnnxGraph, x: string, name: string): string;
}

/** Shape of a feature map and the cost of producing it, from shapes alone. */
export interface BackboneAnalysis {
  height: number;
  width: number;
  channels: number;
  /** Multiply-adds x2 of convolutions for one sample. */
  flops: number;
}

/** A registered backbone type; `config` is its section as its own schema parsed it. */
export interface BackboneEntry<C extends BackboneConfig = BackboneConfig> {
  /** Its `model.backbone` section: a strict object whose `type` is the literal name. */
  schema: z.ZodType<C>;
  /** Builds the backbone with weights drawn from `rng`. */
  build(config: C, rng: Rng): Backbone;
  /** Output shape and FLOPs for an input of `height` x `width`, without building anything. */
  analyze(config: C, height: number, width: number): BackboneAnalysis;
}

/** Backbones by `backbone.type`; `config/schema.ts` builds the `model.backbone` section from their schemas. */
export const BACKBONES = new Registry<BackboneEntry>('backbone');

/** Adds a backbone (its file calls this once). */
export function registerBackbone<C extends BackboneConfig>(name: string, entry: BackboneEntry<C>): void {
  BACKBONES.register(name, entry);
}

/** Channels of a layer after the width multiplier (at least 1). */
export function scaledChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}
