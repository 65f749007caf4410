/**
 * Reads a run configuration from a JSON file. `model` may be a full model
 * config, a preset name (`"bench-vgg"`), or `{ "preset": name, ...overrides }`.
 * Command-line overrides are merged in before validation, so every error names
 * the field it is about.
 */
import { readJsonFileSync } from '../util/json_file';
import * as path from 'node:path';
import { Config, ConfigInput, parseConfig } from '../config/schema';
import { modelPreset, type ModelOverrides } from '../model/presets';

/** Fields a command line may override (already parsed to the right types). */
export interface ConfigOverrides {
  model?: string;
  variant?: 'joint' | 'baseline';
  data?: string;
  dataRoot?: string;
  backend?: string;
  train?: Record<string, unknown>;
}

/** Resolves `model` given as a preset name or `{preset, ...overrides}`; errors name `source` and the field. */
function resolveModel(model: unknown, source: string): unknown {
  try {
    if (typeof model === 'string') return modelPreset(model);
    if (model && typeof model === 'object' && 'preset' in model) {
      const { preset, ...overrides } = model as { preset: unknown } & Record<string, unknown>;
      if (typeof preset !== 'string') throw new Error('model.preset must be a preset name');
      return modelPreset(preset, overrides as ModelOverrides);
    }
    return model;
  } catch (err) {
    // Preset validation reports paths inside the model section; make them full config paths.
    const message = (err as Error).message.replace(/^ {2}(?=\S)/gm, '  model.');
    throw new Error(`invalid ${source}: ${message}`);
  }
}

/**
 * Builds a validated `Config` from an optional file plus command-line overrides.
 * A relative `data.root` in a file is taken relative to that file's folder.
 */
export function loadConfig(file: string | undefined, overrides: ConfigOverrides = {}): Config {
  const raw = (file ? readJsonFileSync(file, 'config file') : {}) as Partial<Record<keyof ConfigInput, unknown>> & Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`config ${file ?? '(command line)'} must be a JSON object`);
  }
  const data = { ...((raw.data as Record<string, unknown>) ?? {}) };
  if (file && typeof data.root === 'string' && !path.isAbsolute(data.root)) {
    data.root = path.resolve(path.dirname(file), data.root);
  }
  if (overrides.data) data.type = overrides.data;
  if (overrides.dataRoot) data.root = path.resolve(overrides.dataRoot);
  const source = file ? `config ${file}` : 'config';
  let model = resolveModel(overrides.model ?? raw.model, source);
  if (overrides.variant) {
    if (!model || typeof model !== 'object') throw new Error('--variant needs a model (use --model or a config file)');
    model = { ...(model as object), variant: overrides.variant };
  }
  model = resolvePretrainedPath(model, file);
  const train = { ...((raw.train as Record<string, unknown>) ?? {}), ...(overrides.train ?? {}) };
  const merged: Record<string, unknown> = { ...raw, model, data, train };
  if (overrides.backend) merged.backend = overrides.backend;
  return parseConfig(merged, source);
}

/** A relative `model.backbone.pretrained` in a file is taken relative to that file's folder. */
function resolvePretrainedPath(model: unknown, file: string | undefined): unknown {
  const backbone = (model as { backbone?: { pretrained?: unknown } } | null)?.backbone;
  if (!file || !backbone || typeof backbone.pretrained !== 'string' || path.isAbsolute(backbone.pretrained)) return model;
  const m = model as { backbone: object };
  return { ...m, backbone: { ...m.backbone, pretrained: path.resolve(path.dirname(file), backbone.pretrained) } };
}
