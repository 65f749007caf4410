/** What the dense and global heads provide, and the registries they add themselves to. */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { OnnxGraph } from '../../onnx/graph';
import { Rng } from '../../util/rng';
import { ForwardContext, Module } from '../module';
import { Registry } from '../../util/registry';

/** Fields every dense head's `model.denseHead` section has (its schema adds its own). */
export const denseHeadFields = {
  /** Channels of the head's hidden layers. */
  channels: z.number().int().positive().default(1024),
  dropout: z.number().min(0).max(1).default(0.5),
  /** Load the head from the backbone's pretrained file too (a DeepLab file whose head has this type and width). */
  pretrained: z.boolean().default(false),
  /**
   * With `pretrained`: for each class of this model, the pretrained model's output classes whose
   * output-layer rows (averaged) initialize it; without it the output layer starts random.
   */
  classMap: z.array(z.array(z.number().int().nonnegative()).min(1)).optional(),
};

/** What every `model.denseHead` section holds. */
export type DenseHeadConfig = {
  type: string;
  channels: number;
  dropout: number;
  pretrained: boolean;
  classMap?: number[][];
  /** The head's own fields. */
  [field: string]: unknown;
};

/** What every `model.clsHead` section holds. */
export type GlobalHeadConfig = {
  type: string;
  /** The head's own fields. */
  [field: string]: unknown;
};

/** What a head is built from: its own config section, the class count and the backbone's output. */
export interface HeadSpec<C = unknown> {
  /** The head's section of the model config (`denseHead` or `clsHead`). */
  config: C;
  /** Number of classes L. */
  numClasses: number;
  /** Channels of the backbone feature map F. */
  inChannels: number;
  /** Output stride of the backbone (8 or 16). */
  outputStride: number;
}

/** Dense branch: F [B, h, w, C] → local scores D [B, h, w, L]. */
export interface DenseHead extends Module {
  forward(features: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
  /** The same head (inference mode) in ONNX on NCHW features; returns D (NCHW). */
  toOnnx(g: OnnxGraph, features: string, name: string): string;
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
  /** The same head (inference mode) in ONNX on NCHW features; returns g [B, L]. */
  toOnnx(g: OnnxGraph, features: string, name: string): string;
}

/** A registered head type; `spec.config` is its section as its own schema parsed it. */
export interface HeadEntry<H, C> {
  /** Its section of the model config: a strict object whose `type` is the literal name. */
  schema: z.ZodType<C>;
  /** Builds the head with weights drawn from `rng`. */
  build(spec: HeadSpec<C>, rng: Rng): H;
  /** Multiply-adds x2 for one sample on an `height` x `width` feature map, from shapes alone. */
  flops(spec: HeadSpec<C>, height: number, width: number): number;
}

/** Dense heads by `denseHead.type`; `config/schema.ts` builds the `model.denseHead` section from their schemas. */
export const DENSE_HEADS = new Registry<HeadEntry<DenseHead, DenseHeadConfig>>('dense head');
/** Global heads by `clsHead.type`; `config/schema.ts` builds the `model.clsHead` section from their schemas. */
export const GLOBAL_HEADS = new Registry<HeadEntry<GlobalHead, GlobalHeadConfig>>('global head');

/** Adds a dense head (its file calls this once). */
export function registerDenseHead<C extends DenseHeadConfig>(name: string, entry: HeadEntry<DenseHead, C>): void {
  DENSE_HEADS.register(name, entry);
}

/** Adds a global head (its file calls this once). */
export function registerGlobalHead<C extends GlobalHeadConfig>(name: string, entry: HeadEntry<GlobalHead, C>): void {
  GLOBAL_HEADS.register(name, entry);
}
