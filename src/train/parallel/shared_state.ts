/**
 * The training state of data-parallel training, held once in shared memory:
 * all model variables (trainable, then BatchNorm running statistics), the
 * momentum buffers, and one gradient and one running-statistics slot per
 * worker. Workers read the weights at the start of a step, write their
 * gradients, and update the weights in place; the main thread copies the
 * state into a model and optimizer only to save it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../model/module';
import type { MomentumSgd } from '../sgd';

/** One variable's place in a flat vector. */
export interface VariableSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** Flat layout of a model's variables: trainable ones first, then the others. */
export interface ParameterLayout {
  trainable: VariableSlot[];
  /** Non-trainable variables (BatchNorm running statistics); offsets count from `trainableSize`. */
  buffers: VariableSlot[];
  trainableSize: number;
  bufferSize: number;
}

/** The layout of `model`'s variables (the same for every copy of the same config). */
export function parameterLayout(model: Module): ParameterLayout {
  const trainableNames = new Set(model.namedTrainableVariables().map(([name]) => name));
  const trainable: VariableSlot[] = [];
  const buffers: VariableSlot[] = [];
  let t = 0;
  let b = 0;
  for (const [name, v] of model.namedVariables()) {
    if (trainableNames.has(name)) {
      trainable.push({ name, shape: [...v.shape], offset: t, size: v.size });
      t += v.size;
    } else {
      buffers.push({ name, shape: [...v.shape], offset: b, size: v.size });
      b += v.size;
    }
  }
  return { trainable, buffers, trainableSize: t, bufferSize: b };
}

/** Shared arrays of the state (post them to the workers). */
export interface SharedTrainingState {
  /** Weights: trainable variables, then buffers ([trainableSize + bufferSize]). */
  weights: Float32Array;
  /** Momentum buffers of the trainable variables ([trainableSize]). */
  momentum: Float32Array;
  /** Gradient slot of each worker ([workers × trainableSize]). */
  grads: Float32Array;
  /** Buffer values each worker computed in its forward pass ([workers × bufferSize]). */
  buffers: Float32Array;
}

function sharedF32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * Math.max(n, 1)));
}

/** Allocates the shared state of `workers` workers for `layout`. */
export function createSharedState(layout: ParameterLayout, workers: number): SharedTrainingState {
  const p = layout.trainableSize;
  const q = layout.bufferSize;
  return { weights: sharedF32(p + q), momentum: sharedF32(p), grads: sharedF32(workers * p), buffers: sharedF32(workers * q) };
}

function variablesByName(model: Module): Map<string, tf.Variable> {
  return new Map(model.namedVariables());
}

function checkSlot(slot: VariableSlot, v: tf.Variable | undefined): tf.Variable {
  if (!v || v.size !== slot.size) throw new Error(`model does not match the shared layout at variable "${slot.name}"`);
  return v;
}

/** Copies every variable of `model` into `state.weights`. */
export function writeWeights(model: Module, layout: ParameterLayout, state: SharedTrainingState): void {
  const vars = variablesByName(model);
  for (const s of layout.trainable) state.weights.set(checkSlot(s, vars.get(s.name)).dataSync(), s.offset);
  for (const s of layout.buffers) state.weights.set(checkSlot(s, vars.get(s.name)).dataSync(), layout.trainableSize + s.offset);
}

/** Assigns `state.weights` to every variable of `model`. */
export function readWeights(model: Module, layout: ParameterLayout, state: SharedTrainingState): void {
  const vars = variablesByName(model);
  // wasm copies new tensors into its heap; other backends may keep the array itself, which must not be shared.
  const copy = tf.getBackend() !== 'wasm';
  const assign = (s: VariableSlot, base: number) => {
    const v = checkSlot(s, vars.get(s.name));
    const [from, to] = [base + s.offset, base + s.offset + s.size];
    tf.tidy(() => v.assign(tf.tensor(copy ? state.weights.slice(from, to) : state.weights.subarray(from, to), s.shape)));
  };
  for (const s of layout.trainable) assign(s, 0);
  for (const s of layout.buffers) assign(s, layout.trainableSize);
}

/** What the wasm backend exposes of where a tensor's values sit in its heap. */
interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { has(id: object): boolean; get(id: object): { memoryOffset: number } | undefined };
}

/** Copies the float32 values of `t` into `target` at `offset` (from the wasm heap directly when they are there). */
function copyValues(t: tf.Tensor, target: Float32Array, offset: number): void {
  const backend = tf.backend() as unknown as Partial<WasmHeapBackend>;
  const info = tf.getBackend() === 'wasm' && backend.dataIdMap?.has(t.dataId) ? backend.dataIdMap.get(t.dataId) : undefined;
  if (info && t.dtype === 'float32') {
    // One copy instead of two (dataSync slices the heap first), and no garbage per step.
    target.set(new Float32Array(backend.wasm!.HEAPU8.buffer, info.memoryOffset, t.size), offset);
  } else {
    target.set(t.dataSync() as Float32Array, offset);
  }
}

/** Copies gradients (by variable name) into the gradient slot of worker `rank`. */
export function writeGradients(grads: Record<string, tf.Tensor>, layout: ParameterLayout, state: SharedTrainingState, rank: number): void {
  const base = rank * layout.trainableSize;
  for (const s of layout.trainable) {
    const g = grads[s.name];
    if (!g || g.size !== s.size) throw new Error(`gradient of "${s.name}" is missing or has the wrong size`);
    copyValues(g, state.grads, base + s.offset);
  }
}

/** Copies the buffers (non-trainable variables) of `model` into the buffer slot of worker `rank`. */
export function writeBuffers(model: Module, layout: ParameterLayout, state: SharedTrainingState, rank: number): void {
  const vars = variablesByName(model);
  const base = rank * layout.bufferSize;
  for (const s of layout.buffers) copyValues(checkSlot(s, vars.get(s.name)), state.buffers, base + s.offset);
}

/** Copies the optimizer's momentum buffers into `state.momentum` (zeros where it has none yet). */
export function writeMomentum(optimizer: MomentumSgd, layout: ParameterLayout, state: SharedTrainingState): void {
  const velocity = optimizer.getState();
  for (const s of layout.trainable) {
    const v = velocity.get(s.name);
    if (v && v.size !== s.size) throw new Error(`optimizer state does not match the model at variable "${s.name}"`);
    if (v) state.momentum.set(v.dataSync(), s.offset);
    else state.momentum.fill(0, s.offset, s.offset + s.size);
  }
}

/** Sets the optimizer's momentum buffers from `state.momentum`. */
export function readMomentum(optimizer: MomentumSgd, layout: ParameterLayout, state: SharedTrainingState): void {
  const tensors = new Map<string, tf.Tensor>();
  for (const s of layout.trainable) tensors.set(s.name, tf.tensor(state.momentum.slice(s.offset, s.offset + s.size), s.shape));
  optimizer.setState(tensors);
  tf.dispose([...tensors.values()]);
}
