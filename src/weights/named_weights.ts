/**
 * Weights read from a published file, by guideseg variable name, and their
 * all-or-nothing assignment to a module: every variable must be present with
 * its exact shape before any is written, so nothing half-loaded is used.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../model/module';

/** One imported tensor: values in guideseg's layout and where it came from. */
export interface ImportedTensor {
  shape: number[];
  values: Float32Array;
  /** The tensor's name (or position) in the source file, for error messages. */
  source: string;
}

/** Imported tensors by guideseg variable name (relative to the module they load into). */
export type NamedWeights = Map<string, ImportedTensor>;

/** Input normalization a network was trained with: x' = (x − mean) / std on 0..255 RGB. */
export interface InputNormalization {
  mean: [number, number, number];
  std: [number, number, number];
}

/** What an importer reads from a file. */
export interface ImportedNetwork {
  /** The file read. */
  file: string;
  /** Weights of the backbone, by its variable names. */
  backbone: NamedWeights;
  /** Weights of the original classifier's top (for checking an import), by `ImageNetClassifier` names. */
  classifier: NamedWeights;
  /** Classes of the classifier's output (e.g. 1001 with background first; 19 for the Cityscapes DeepLab). */
  classifierOutputs: number;
  /** A published dense head (DeepLab files): its registered type, width, and weights by its variable names (`logits.*` included). */
  denseHead?: { type: string; channels: number; weights: NamedWeights };
  normalization: InputNormalization;
}

/**
 * Throws, naming `file` and the variable, unless `weights` holds exactly the
 * variables of `module`, each with its shape.
 */
export function checkWeights(module: Module, weights: NamedWeights, file: string, what = 'backbone'): void {
  const variables = new Map(module.namedTrainableVariables());
  for (const [name, variable] of variables) {
    const w = weights.get(name);
    if (!w) throw new Error(`${file}: no weight for ${what} variable "${name}" [${variable.shape.join(', ')}]`);
    if (w.shape.length !== variable.shape.length || w.shape.some((d, i) => d !== variable.shape[i])) {
      throw new Error(
        `${file}: tensor "${w.source}" has shape [${w.shape.join(', ')}], ${what} variable "${name}" needs [${variable.shape.join(', ')}]`,
      );
    }
  }
  for (const [name, w] of weights) {
    if (!variables.has(name)) throw new Error(`${file}: tensor "${w.source}" maps to "${name}", which the ${what} does not have`);
  }
}

/**
 * Copies `weights` into the variables of `module` after `checkWeights`;
 * nothing is assigned unless everything matches.
 */
export function assignWeights(module: Module, weights: NamedWeights, file: string, what = 'backbone'): void {
  checkWeights(module, weights, file, what);
  for (const [name, variable] of module.namedTrainableVariables()) {
    const w = weights.get(name) as ImportedTensor;
    tf.tidy(() => variable.assign(tf.tensor(w.values, w.shape, 'float32')));
  }
}
