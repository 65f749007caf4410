/** Fully connected layer. */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import type { OnnxGraph } from '../../onnx/graph';
import { Module } from '../module';
import { initWeight, WeightInit } from './init';

/**
 * `y = x · weight + bias`. Variables: `weight` [inFeatures, outFeatures] and
 * `bias` [outFeatures] (zero-initialized).
 */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  /**
   * @param inFeatures length of each input vector
   * @param outFeatures length of each output vector
   * @param rng generator the weights are drawn from
   * @param init weight initializer (default He-normal)
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    init: WeightInit = 'he',
  ) {
    super();
    this.weight = this.addVariable('weight', initWeight(rng, [inFeatures, outFeatures], inFeatures, init));
    this.bias = this.addVariable('bias', tf.zeros([outFeatures]));
  }

  /** Applies the layer to `x` [batch, inFeatures]. */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(x, this.weight as tf.Tensor2D), this.bias));
  }
  /** The same layer as an ONNX `Gemm` node on value `x` [B, inFeatures]. */
  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const w = g.weight(`${name}.weight`, this.weight.dataSync() as Float32Array, [this.inFeatures, this.outFeatures]);
    const b = g.weight(`${name}.bias`, this.bias.dataSync() as Float32Array, [this.outFeatures]);
    return g.op('Gemm', [x, w, b], {}, name);
  }

}

/** Multiply-adds x2 of a fully connected layer for one sample. */
export function linearFlops(inFeatures: number, outFeatures: number): number {
  return 2 * inFeatures * outFeatures;
}
