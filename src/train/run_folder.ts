/**
 * The layout of a training run folder, in one place:
 *
 *   <run>/config.json                      the validated config of the run
 *   <run>/metrics.jsonl                    one line per logged iteration
 *   <run>/checkpoints/iter_NNNNNNN/        resumable checkpoints (newest kept)
 *   <run>/final/                           the trained model
 *
 * and how a checkpoint argument (a model folder or a run folder) is resolved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig, type Config } from '../config/schema';
import { shippedModelDir } from '../model/shipped';
import { readJsonFileSync } from '../util/json_file';

export const RUN_CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';
const CHECKPOINTS = 'checkpoints';
const FINAL = 'final';
const CHECKPOINT_NAME = /^iter_\d+$/;

/** Folder of the checkpoint of `iteration`. */
export function checkpointDir(workDir: string, iteration: number): string {
  return path.join(workDir, CHECKPOINTS, `iter_${String(iteration).padStart(7, '0')}`);
}

/** Folder of the run's trained model. */
export function finalModelDir(workDir: string): string {
  return path.join(workDir, FINAL);
}

/** Folder of the run's best model by validation mIoU (`train.evalInterval`). */
export function bestModelDir(workDir: string): string {
  return path.join(workDir, 'best');
}

/** Saved checkpoint folders of a run, newest first. */
export function listCheckpoints(workDir: string): string[] {
  const root = path.join(workDir, CHECKPOINTS);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((name) => CHECKPOINT_NAME.test(name))
    .sort()
    .reverse()
    .map((name) => path.join(root, name));
}

/** Removes temporary checkpoint folders left by a killed save (only while no save of the run is under way). */
export function removeStaleCheckpointTemps(workDir: string): void {
  const root = path.join(workDir, CHECKPOINTS);
  if (!fs.existsSync(root)) return;
  for (const name of fs.readdirSync(root)) {
    if (/^\.iter_\d+\.tmp-/.test(name)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

/**
 * Resolves a checkpoint argument: a folder with model.json, or a training
 * run folder (its `final/` model, else its newest checkpoint); none given:
 * the shipped model.
 */
export function resolveCheckpoint(dir: string | undefined): string {
  const abs = dir === undefined ? shippedModelDir() : path.resolve(dir);
  if (fs.existsSync(path.join(abs, 'model.json'))) return abs;
  const final = finalModelDir(abs);
  if (fs.existsSync(final)) {
    // A final model that cannot be read is an error, never silently passed over for an older checkpoint.
    try {
      fs.accessSync(path.join(final, 'model.json'), fs.constants.R_OK);
      return final;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${final}: the run's final model cannot be read (${(err as NodeJS.ErrnoException).code}); check its permissions`);
    }
  }
  const newest = listCheckpoints(abs)[0];
  if (newest) return newest;
  throw new Error(`${abs}: no model.json here, nor a training run (final/ or checkpoints/)`);
}

/** The training run folder a checkpoint belongs to (holding config.json), if any. */
export function runDirOf(checkpoint: string): string | null {
  for (let dir = checkpoint, i = 0; i < 3; i++, dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, RUN_CONFIG_FILE))) return dir;
  }
  return null;
}

/** The validated config a run folder was trained with; errors name the file. */
export function readRunConfig(runDir: string): Config {
  const file = path.join(runDir, RUN_CONFIG_FILE);
  return parseConfig(readJsonFileSync(file, 'run config'), file);
}
