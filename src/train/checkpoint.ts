/**
 * Training checkpoints: one folder per saved iteration under
 * `<workDir>/checkpoints/iter_NNNNNNN/`, each written atomically and holding
 * the model (model.json + weights.bin, the tfjs artifacts format), the
 * optimizer's momentum buffers (optimizer.json + optimizer.bin) and the run
 * state (state.json: iteration, loader position).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LoaderState } from '../data/loader';
import {
  decodeNamedTensors,
  encodeNamedTensors,
  writeFilesAtomic,
  type WeightSpec,
} from '../model/checkpoint_io';
import { loadWeightsInto, modelCheckpointFiles } from '../model/serialization';
import { readFileNamed, readJsonFile } from '../util/json_file';
import { checkpointDir, listCheckpoints, removeStaleCheckpointTemps } from './run_folder';
import type { Segmentor } from '../model/types';
import type { MomentumSgd } from './sgd';

const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';
const STATE_JSON = 'state.json';

/** Run state stored beside the weights. */
export interface RunState {
  /** Completed iterations. */
  iteration: number;
  /** Loader position before the next batch. */
  loader: LoaderState;
}

/** Saves model, optimizer and run state as one atomic checkpoint folder; returns its path. */
export async function saveCheckpoint(
  workDir: string,
  model: Segmentor,
  optimizer: MomentumSgd,
  state: RunState,
  metadata: Record<string, unknown> = {},
  keep = 3,
): Promise<string> {
  const dir = checkpointDir(workDir, state.iteration);
  const files = await modelCheckpointFiles(model, { ...metadata, iteration: state.iteration });
  const momentum = [...optimizer.getState()];
  const { data, specs } = await encodeNamedTensors(momentum, 'optimizer');
  files[OPTIMIZER_JSON] = JSON.stringify({ format: 'guideseg-sgd', weightsManifest: [{ paths: [OPTIMIZER_BIN], weights: specs }] });
  files[OPTIMIZER_BIN] = data;
  files[STATE_JSON] = JSON.stringify(state, null, 1);
  await writeFilesAtomic(dir, files);
  pruneCheckpoints(workDir, keep);
  return dir;
}

/** Keeps the newest `keep` checkpoints and removes temporary folders left by a killed save. */
function pruneCheckpoints(workDir: string, keep: number): void {
  for (const dir of listCheckpoints(workDir).slice(keep)) fs.rmSync(dir, { recursive: true, force: true });
  // One run owns a work dir, and its own save has finished, so any temporary folder here is stale.
  removeStaleCheckpointTemps(workDir);
}

/**
 * Restores model weights and optimizer state from checkpoint folder `dir`
 * and returns its run state. Errors name the file at fault.
 */
export async function loadCheckpointInto(dir: string, model: Segmentor, optimizer: MomentumSgd): Promise<RunState> {
  await loadWeightsInto(dir, model);
  const optJson = (await readJsonFile(path.join(dir, OPTIMIZER_JSON), 'optimizer manifest')) as {
    weightsManifest?: Array<{ weights: WeightSpec[] }>;
  };
  const specs = optJson.weightsManifest?.[0]?.weights;
  if (!Array.isArray(specs)) throw new Error(`${path.join(dir, OPTIMIZER_JSON)}: corrupt optimizer manifest`);
  const binFile = path.join(dir, OPTIMIZER_BIN);
  const tensors = decodeNamedTensors(await readFileNamed(binFile, 'optimizer state'), specs, binFile);
  optimizer.setState(new Map(Object.entries(tensors)));
  tf.dispose(Object.values(tensors));
  const state = (await readJsonFile(path.join(dir, STATE_JSON), 'run state')) as RunState;
  if (!Number.isInteger(state?.iteration) || !state.loader) {
    throw new Error(`${path.join(dir, STATE_JSON)}: corrupt run state`);
  }
  return state;
}
