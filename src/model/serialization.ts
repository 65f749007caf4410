/**
 * Model checkpoints in the tfjs artifacts layout: a folder with `model.json`
 * ({format, generatedBy, modelTopology: the ModelConfig, weightsManifest,
 * weightsChecksum, userDefinedMetadata?}) and `weights.bin`
 * (tf.io.encodeWeights of every variable, trainable or not, by dotted name).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ModelConfig, parseModelConfig } from './model_config';
import { buildSegmentor, withGlobalBranch } from './build';
import {
  decodeNamedTensors,
  encodeNamedTensors,
  encodePackedTensors,
  PackedDtype,
  sha256,
  WeightSpec,
  writeFilesAtomic,
} from './checkpoint_io';
import { readFileNamed, readJsonFile } from '../util/json_file';
import { writeFileAtomicSync } from '../util/atomic_write';
import { parseCheckpointMetadata, type CheckpointMetadata } from './checkpoint_metadata';
import type { Module } from './module';
import type { Segmentor } from './types';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const CHECKPOINT_FORMAT = 'guideseg-segmentor';

/** Contents of `model.json`. */
export interface ModelJson {
  format: string;
  generatedBy: string;
  modelTopology: ModelConfig;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  /** SHA-256 of each weights file, by path, to detect corruption that keeps the size. */
  weightsChecksum?: Record<string, string>;
  userDefinedMetadata?: Record<string, unknown>;
}

/**
 * The files of a model checkpoint (`model.json`, `weights.bin`), to write with
 * `writeFilesAtomic`, possibly together with other files (e.g. optimizer state).
 *
 * @param model the segmentor whose config and variables are stored
 * @param metadata JSON-serializable data stored as `userDefinedMetadata`
 */
export async function modelCheckpointFiles(
  model: Segmentor,
  metadata?: Record<string, unknown>,
): Promise<Record<string, string | Uint8Array>> {
  const { data, specs } = await encodeNamedTensors(model.namedVariables(), 'model');
  const json: ModelJson = {
    format: CHECKPOINT_FORMAT,
    generatedBy: `guideseg (tfjs-core ${tf.version_core})`,
    modelTopology: model.config,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
    weightsChecksum: { [WEIGHTS_BIN]: sha256(data) },
    ...(metadata ? { userDefinedMetadata: metadata } : {}),
  };
  return { [MODEL_JSON]: JSON.stringify(json, null, 1), [WEIGHTS_BIN]: data };
}

/**
 * Writes `model` as a shipped model folder: weights stored as `dtype`
 * (float16, or uint8 with a per-tensor affine), the topology without the
 * local path of the weights it started from, and `metadata` (classes,
 * palette, fitted settings, provenance), with `extraFiles` (e.g. a licence)
 * beside them. It loads like any checkpoint.
 */
export async function savePackedModel(
  dir: string,
  model: Segmentor,
  dtype: PackedDtype,
  metadata: Record<string, unknown>,
  extraFiles: Record<string, Uint8Array> = {},
): Promise<void> {
  const { data, specs } = encodePackedTensors(model.namedVariables(), dtype);
  // Where the training started from is provenance, not topology: the shipped folder must not name files of this machine.
  const backbone = { ...model.config.backbone } as Record<string, unknown>;
  delete backbone.pretrained;
  const denseHead: Record<string, unknown> = { ...model.config.denseHead, pretrained: false };
  delete denseHead.classMap;
  const json: ModelJson = {
    format: CHECKPOINT_FORMAT,
    generatedBy: `guideseg (tfjs-core ${tf.version_core})`,
    modelTopology: { ...model.config, backbone, denseHead } as ModelConfig,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
    weightsChecksum: { [WEIGHTS_BIN]: sha256(data) },
    userDefinedMetadata: metadata,
  };
  await writeFilesAtomic(dir, { ...extraFiles, [MODEL_JSON]: JSON.stringify(json, null, 1), [WEIGHTS_BIN]: data });
}

/**
 * Saves `model` to the folder `dir` atomically (a complete new checkpoint
 * replaces the old one, or nothing changes).
 *
 * @param dir checkpoint folder (created; replaced if it exists)
 * @param model the segmentor to save
 * @param extra JSON-serializable metadata stored as `userDefinedMetadata` (e.g. iteration, metrics)
 */
export async function saveWeights(dir: string, model: Segmentor, extra?: Record<string, unknown>): Promise<void> {
  await writeFilesAtomic(dir, await modelCheckpointFiles(model, extra));
}

/** Reads and checks `model.json` of checkpoint folder `dir`. */
export async function readModelJson(dir: string): Promise<ModelJson> {
  const file = path.join(dir, MODEL_JSON);
  const raw = (await readJsonFile(file, 'model description')) as Partial<ModelJson> | null;
  if (raw === null || typeof raw !== 'object' || raw.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${file}: not a guideseg checkpoint (format should be "${CHECKPOINT_FORMAT}")`);
  }
  if (!Array.isArray(raw.weightsManifest) || raw.weightsManifest.length === 0) {
    throw new Error(`${file}: missing weightsManifest`);
  }
  const modelTopology = parseModelConfig(raw.modelTopology, `${file} modelTopology`);
  return { ...(raw as ModelJson), modelTopology };
}

/** Reads every weights file of a manifest and decodes it, checking sizes and checksums. */
async function readWeights(dir: string, json: ModelJson): Promise<tf.NamedTensorMap> {
  const out: tf.NamedTensorMap = {};
  for (const group of json.weightsManifest) {
    const parts: Uint8Array[] = [];
    for (const p of group.paths) {
      const file = path.join(dir, p);
      // A manifest names files of its own folder, never a path leading out of it.
      if (typeof p !== 'string' || path.isAbsolute(p) || path.relative(dir, file).startsWith('..') || path.dirname(path.relative(dir, file)) !== '.') {
        throw new Error(`${path.join(dir, MODEL_JSON)}: weights path "${String(p)}" is not a file of the checkpoint folder`);
      }
      const expected = json.weightsChecksum?.[p];
      if (typeof expected !== 'string') throw new Error(`${path.join(dir, MODEL_JSON)}: weightsChecksum has no SHA-256 for ${p} (every weights file must have one)`);
      const bytes = await readFileNamed(file, `weights file (listed in ${MODEL_JSON})`);
      if (sha256(bytes) !== expected) {
        throw new Error(`${file}: corrupt weights file (checksum does not match ${MODEL_JSON})`);
      }
      parts.push(bytes);
    }
    const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    const source = group.paths.map((p) => path.join(dir, p)).join(' + ');
    Object.assign(out, decodeNamedTensors(data, group.weights, source));
  }
  return out;
}

/**
 * Assigns the weights stored in checkpoint folder `dir` to `model`. Every
 * variable of the model must be present with the same shape, and no other
 * weight may be; errors name the file and the weight.
 */
export async function loadWeightsInto(dir: string, model: Module): Promise<void> {
  const json = await readModelJson(dir);
  assignWeights(model, await readWeights(dir, json), path.join(dir, WEIGHTS_BIN));
}

function assignWeights(model: Module, weights: tf.NamedTensorMap, source: string): void {
  try {
    const variables = model.namedVariables();
    const names = new Set(variables.map(([name]) => name));
    const unknown = Object.keys(weights).filter((name) => !names.has(name));
    if (unknown.length > 0) throw new Error(`${source}: weights not in the model: ${unknown.slice(0, 5).join(', ')}`);
    for (const [name, variable] of variables) {
      const value = weights[name];
      if (value === undefined) throw new Error(`${source}: missing weight "${name}"`);
      if (!tf.util.arraysEqual(value.shape, variable.shape)) {
        throw new Error(`${source}: weight "${name}" has shape [${value.shape}], the model expects [${variable.shape}]`);
      }
    }
    for (const [name, variable] of variables) variable.assign(weights[name]);
  } finally {
    tf.dispose(Object.values(weights));
  }
}

/** Options of {@link loadCheckpoint}. */
export interface LoadOptions {
  /** A baseline model comes back as the joint variant: its network plus a freshly initialized global branch (clsNet). */
  addGlobalBranch?: boolean;
}

/**
 * Rebuilds the segmentor stored in checkpoint folder `dir` (architecture from
 * `model.json`, weights from `weights.bin`) together with the stored metadata.
 */
export async function loadCheckpoint(
  dir: string,
  opts: LoadOptions = {},
): Promise<{ model: Segmentor; config: ModelConfig; metadata: CheckpointMetadata | undefined }> {
  const json = await readModelJson(dir);
  const metadata =
    json.userDefinedMetadata === undefined ? undefined : parseCheckpointMetadata(json.userDefinedMetadata, json.modelTopology.numClasses, path.join(dir, MODEL_JSON));
  const weights = await readWeights(dir, json);
  const model = buildSegmentor(json.modelTopology);
  try {
    assignWeights(model, weights, path.join(dir, WEIGHTS_BIN));
  } catch (err) {
    model.dispose();
    throw err;
  }
  if (opts.addGlobalBranch !== true || model.config.variant !== 'baseline') return { model, config: json.modelTopology, metadata };
  const joint = withGlobalBranch(model);
  model.dispose();
  return { model: joint, config: joint.config, metadata };
}

/** Rebuilds the segmentor stored in checkpoint folder `dir`. */
export async function loadSegmentor(dir: string): Promise<Segmentor> {
  return (await loadCheckpoint(dir)).model;
}

/**
 * Merges `patch` into the `userDefinedMetadata` of checkpoint folder `dir`
 * (keys set to undefined are removed), rewriting only `model.json`: written to
 * a temporary file beside it, flushed, then renamed over it.
 */
export async function updateCheckpointMetadata(dir: string, patch: Record<string, unknown>): Promise<void> {
  const json = await readModelJson(dir);
  const file = path.join(dir, MODEL_JSON);
  // Keep the topology exactly as written (readModelJson returns it with defaults filled in).
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const metadata: Record<string, unknown> = { ...(json.userDefinedMetadata ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete metadata[k];
    else metadata[k] = v;
  }
  raw.userDefinedMetadata = metadata;
  writeFileAtomicSync(file, JSON.stringify(raw, null, 1));
}
