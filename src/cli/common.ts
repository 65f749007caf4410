/** Option parsers and helpers shared by the commands. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { backendSchema, initBackend, type BackendName } from '../engine/backend';
import type { NetworkRunner } from '../ensemble/network';
import type { Segmentor } from '../model/types';
import { openNetwork, RUNTIME_CHOICES, type RuntimeChoice } from '../pipeline/runtime';
import { datasetTypes } from '../data/registry';

/** Parses an integer option (the whole text: `12abc` is an error, not 12). */
export function integer(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

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

/** Options that pick a model and the data split to run it on (see `addDataOptions`). */
export interface DataCliOptions {
  checkpoint?: string;
  config?: string;
  data?: string;
  dataRoot?: string;
  split: string;
}

/** Adds --config, --data, --data-root and --split (default val): how `resolveDataConfig` finds the data. */
export function addDataOptions(cmd: Command, splitHelp: string, defaultSplit = 'val'): Command {
  return cmd
    .option('-c, --config <file>', 'JSON config whose `data` section names the data set')
    .option('-d, --data <type>', `data set type (registered: ${datasetTypes().join(', ')}); default: the training run's`)
    .option('--data-root <dir>', 'data set folder')
    .option('-s, --split <name>', splitHelp, defaultSplit);
}

/** What `addRuntimeOptions` adds. */
export interface RuntimeCliOptions {
  runtime: RuntimeChoice;
  onnxThreads?: number;
}

/** Adds --runtime and --onnx-threads: what runs the network. */
export function addRuntimeOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--runtime <name>', 'what runs the network: onnx (ONNX Runtime; the model is exported once and cached beside it), tfjs, or auto (onnx where onnxruntime-node is installed, else tfjs)')
        .choices([...RUNTIME_CHOICES])
        .default('auto'),
    )
    .option('--onnx-threads <n>', 'ONNX Runtime threads (default: one per core)', positiveInt);
}

/** Opens the network of a loaded checkpoint on the chosen runtime and says which one runs. */
export async function startNetwork(model: Segmentor, checkpoint: string, o: RuntimeCliOptions): Promise<NetworkRunner> {
  const network = await openNetwork(model, checkpoint, { runtime: o.runtime, onnxThreads: o.onnxThreads });
  process.stderr.write(`runtime: ${network.runtime}\n`);
  return network;
}

/** Progress line on stderr, overwritten on a terminal. */
export function progress(label: string): (done: number, total: number) => void {
  return (done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${label} ${done}/${total}${done === total ? '\n' : ''}`);
    else if (done === total) process.stderr.write(`${label} ${done}/${total}\n`);
  };
}
