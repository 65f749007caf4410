/**
 * The ONNX file of a checkpoint, built on first use and cached beside it
 * (written atomically): `model-<key>.onnx`, where the key hashes the weights
 * file and the network config, so a checkpoint whose weights changed gets a
 * new file and the stale one is removed. Where the checkpoint folder is not
 * writable (an installed package), the cache is in the system's temp folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic_write';
import { sha256 } from './checkpoint_io';
import { exportOnnx } from './onnx_export';
import { loadCheckpoint, MODEL_JSON, WEIGHTS_BIN } from './serialization';
import type { Segmentor } from './types';

/** The cache key of a checkpoint folder: its weights and its network config. */
export function onnxCacheKey(checkpoint: string): string {
  const modelJson = JSON.parse(fs.readFileSync(path.join(checkpoint, MODEL_JSON), 'utf8')) as { modelTopology?: unknown };
  const weights = fs.readFileSync(path.join(checkpoint, WEIGHTS_BIN));
  return sha256(sha256(weights) + JSON.stringify(modelJson.modelTopology ?? null)).slice(0, 16);
}

/** Whether a file name is one of the cache's ONNX files (`model-<key>.onnx`). */
export function isOnnxCacheFile(name: string): boolean {
  return /^model-[0-9a-f]{16}\.onnx$/.test(name);
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path of the up-to-date ONNX file of `checkpoint` (a model folder), exporting
 * it first when missing or stale: from `loaded` (the checkpoint's model, already
 * in memory) or by loading it. Needs an initialized tfjs backend to export.
 */
export async function cachedOnnxFile(checkpoint: string, version: string, loaded?: Segmentor): Promise<string> {
  const key = onnxCacheKey(checkpoint);
  const dir = writable(checkpoint) ? checkpoint : path.join(os.tmpdir(), 'guideseg-onnx', sha256(path.resolve(checkpoint)).slice(0, 16));
  const file = path.join(dir, `model-${key}.onnx`);
  if (fs.existsSync(file)) return file;
  const { model, metadata } = loaded ? { model: loaded, metadata: undefined } : await loadCheckpoint(checkpoint);
  try {
    const bytes = exportOnnx(model, { version, classes: metadata?.classes, weightsSha256: key });
    fs.mkdirSync(dir, { recursive: true });
    await writeFileAtomic(file, bytes);
  } finally {
    if (!loaded) model.dispose();
  }
  for (const name of fs.readdirSync(dir)) {
    if (isOnnxCacheFile(name) && name !== path.basename(file)) fs.rmSync(path.join(dir, name), { force: true });
  }
  return file;
}
