import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng';
import type { BatchStatisticsFn } from './layers/batch_statistics';

/** Per-call state of a forward pass. */
export interface ForwardContext {
  /** Training mode: dropout active, BatchNorm uses (and updates) batch statistics. */
  training: boolean;
  /** Source of dropout seeds; makes a training step reproducible (and resumable). */
  rng?: Rng;
  /**
   * One dropout seed per sample of the batch (by its position in the whole
   * SGD batch): masks then depend on the sample, not on how the batch is split
   * across workers. Takes precedence over `rng`.
   */
  sampleSeeds?: readonly number[];
  /**
   * How BatchNorm layers compute batch statistics in training mode (default:
   * over the local batch). Replace it for grouped or synchronized BatchNorm.
   */
  batchStatistics?: BatchStatisticsFn;
}

/**
 * Base of every network part: owns named variables and child modules, so a
 * whole model can list, count, save and restore its weights by stable names
 * such as `backbone.conv1_1.weight`.
 */
export abstract class Module {
  private readonly ownVariables = new Map<string, { variable: tf.Variable; trainable: boolean }>();
  private readonly children = new Map<string, Module>();

  /** Registers a variable of this module under `name`, taking ownership of `initial`. */
  protected addVariable(name: string, initial: tf.Tensor, trainable = true): tf.Variable {
    if (this.ownVariables.has(name) || this.children.has(name)) {
      throw new Error(`duplicate module entry "${name}"`);
    }
    // tfjs variable names must be globally unique, so the variable keeps an
    // auto-generated name and the module keeps the readable one.
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    this.ownVariables.set(name, { variable, trainable });
    return variable;
  }

  /** Registers a child module under `name` and returns it. */
  protected addChild<M extends Module>(name: string, child: M): M {
    if (this.ownVariables.has(name) || this.children.has(name)) {
      throw new Error(`duplicate module entry "${name}"`);
    }
    this.children.set(name, child);
    return child;
  }

  /** All variables (trainable and not, e.g. BatchNorm running statistics), by dotted name. */
  namedVariables(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [name, { variable }] of this.ownVariables) out.push([prefix + name, variable]);
    for (const [name, child] of this.children) out.push(...child.namedVariables(`${prefix}${name}.`));
    return out;
  }

  /** Trainable variables only, by dotted name. */
  namedTrainableVariables(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [name, { variable, trainable }] of this.ownVariables) {
      if (trainable) out.push([prefix + name, variable]);
    }
    for (const [name, child] of this.children) out.push(...child.namedTrainableVariables(`${prefix}${name}.`));
    return out;
  }

  /** This module and every descendant, depth first, by dotted name ('' for this one). */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix.replace(/\.$/, ''), this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(`${prefix}${name}.`));
    return out;
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.namedTrainableVariables().reduce((n, [, v]) => n + v.size, 0);
  }

  /** Frees every variable of this module and its children. */
  dispose(): void {
    for (const [, v] of this.namedVariables()) v.dispose();
  }
}
