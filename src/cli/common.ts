/** Option parsers and helpers shared by the commands. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shippedModelDir } from '../model/shipped';
import { packageRoot } from '../util/package_root';
import { InvalidArgumentError } from 'commander';
import { backendSchema, type BackendName } from '../config/schema';
import { initBackend } from '../engine/backend';

/** Parses a positive integer option. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Parses a non-negative integer option. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer >= 0, got "${value}"`);
  return n;
}

/** Parses a non-negative number option. */
export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  return n;
}

/** Parses a positive number option. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got "${value}"`);
  return n;
}

/** Parses a comma-separated list of positive numbers, e.g. `1.2,1,0.8`. */
export function numberList(value: string): number[] {
  const items = value.split(',').map((s) => Number(s.trim()));
  if (!items.length || items.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new InvalidArgumentError(`expected comma-separated positive numbers, got "${value}"`);
  }
  return items;
}

/** Parses `HxW` or a single number (square). */
export function sizeOption(value: string): [number, number] {
  const parts = value.toLowerCase().split('x').map(Number);
  const [h, w] = parts.length === 1 ? [parts[0], parts[0]] : parts;
  if (parts.length > 2 || !Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) {
    throw new InvalidArgumentError(`expected a size like 256 or 360x480, got "${value}"`);
  }
  return [h, w];
}

/** Parses the backend name. */
export function backendOption(value: string): BackendName {
  const parsed = backendSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`expected one of ${backendSchema.options.join(', ')}`);
  return parsed.data;
}

/** Starts the backend and says which one runs. */
export async function startBackend(name: BackendName, quiet = false): Promise<string> {
  const active = await initBackend(name);
  if (!quiet) process.stderr.write(`backend: ${active}\n`);
  return active;
}

export { packageRoot } from '../util/package_root';

/** The CamVid folder shipped beside the project (`../shared/datasets/camvid`), if present. */
export function defaultCamvidRoot(): string {
  return path.resolve(packageRoot(), '..', 'shared', 'datasets', 'camvid');
}

/**
 * Resolves a checkpoint argument: a folder with model.json, or a training
 * work dir (its `final/` model, else its newest checkpoint); none given:
 * the shipped model.
 */
export function resolveCheckpoint(dir: string | undefined): string {
  const abs = dir === undefined ? shippedModelDir() : path.resolve(dir);
  if (fs.existsSync(path.join(abs, 'model.json'))) return abs;
  if (fs.existsSync(path.join(abs, 'final', 'model.json'))) return path.join(abs, 'final');
  const root = path.join(abs, 'checkpoints');
  if (fs.existsSync(root)) {
    const newest = fs
      .readdirSync(root)
      .filter((n) => /^iter_\d+$/.test(n))
      .sort()
      .pop();
    if (newest) return path.join(root, newest);
  }
  throw new Error(`${abs}: no model.json here, nor a training run (final/ or checkpoints/)`);
}

/** The training run folder a checkpoint belongs to (holding config.json), if any. */
export function runDirOf(checkpoint: string): string | null {
  for (let dir = checkpoint, i = 0; i < 3; i++, dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  }
  return null;
}
