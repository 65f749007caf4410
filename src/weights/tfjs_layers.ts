/**
 * Reader of TensorFlow.js layers models as published: a folder holding
 * `model.json` (the Keras topology and a weights manifest) and the binary
 * weight shards it names. Returns the layers in order with their configs and
 * every weight by name; truncated shards, missing files and manifests that
 * do not add up are errors naming the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One Keras layer: its class, name and config. */
export interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

/** A weight of the model, as stored (float32). */
export interface LayersWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A parsed layers model. */
export interface LayersModel {
  /** The model.json path, for error messages. */
  source: string;
  layers: KerasLayer[];
  weights: Map<string, LayersWeight>;
}

interface ManifestGroup {
  paths: string[];
  weights: Array<{ name: string; shape: number[]; dtype: string; quantization?: unknown }>;
}

/**
 * Reads the layers model in `dir` (or at the model.json path `dir`).
 * Supports float32 weights; a quantized manifest entry is an error naming it.
 */
export function readLayersModel(dir: string): LayersModel {
  const source = dir.endsWith('.json') ? dir : path.join(dir, 'model.json');
  const folder = path.dirname(source);
  let json: { modelTopology?: unknown; weightsManifest?: ManifestGroup[] };
  try {
    json = JSON.parse(fs.readFileSync(source, 'utf8'));
  } catch (err) {
    throw new Error(`${source}: not a readable tfjs layers model.json (${(err as Error).message})`);
  }
  const topology = json.modelTopology as { model_config?: { config?: unknown }; config?: unknown } | undefined;
  const config = (topology?.model_config ?? topology) as { config?: { layers?: unknown[] } | unknown[] } | undefined;
  const rawLayers = Array.isArray(config?.config) ? config?.config : (config?.config as { layers?: unknown[] } | undefined)?.layers;
  if (!Array.isArray(rawLayers) || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${source}: not a tfjs layers model (no modelTopology layers or weightsManifest)`);
  }
  const layers = rawLayers.map((l) => {
    const layer = l as { class_name?: string; config?: Record<string, unknown> };
    return { className: String(layer.class_name), name: String(layer.config?.name), config: layer.config ?? {} };
  });
  const weights = new Map<string, LayersWeight>();
  for (const group of json.weightsManifest) {
    const chunks = group.paths.map((p) => {
      const file = path.resolve(folder, p);
      if (path.relative(folder, file).startsWith('..')) throw new Error(`${source}: shard path "${p}" leaves the model folder`);
      try {
        return fs.readFileSync(file);
      } catch (err) {
        throw new Error(`${source}: cannot read weight shard ${file}: ${(err as Error).message}`);
      }
    });
    const data = Buffer.concat(chunks);
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32' || w.quantization) throw new Error(`${source}: weight "${w.name}" is ${w.quantization ? 'quantized' : w.dtype}; only float32 is read`);
      const count = w.shape.reduce((a, b) => a * b, 1);
      if (offset + 4 * count > data.length) {
        throw new Error(`${source}: shards ${group.paths.join(', ')} hold ${data.length} bytes, weight "${w.name}" needs bytes ${offset}..${offset + 4 * count}`);
      }
      const values = new Float32Array(count);
      for (let i = 0; i < count; i++) values[i] = data.readFloatLE(offset + 4 * i);
      weights.set(w.name, { name: w.name, shape: w.shape, values });
      offset += 4 * count;
    }
    if (offset !== data.length) throw new Error(`${source}: shards ${group.paths.join(', ')} hold ${data.length} bytes, the manifest accounts for ${offset}`);
  }
  return { source, layers, weights };
}
