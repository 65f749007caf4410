/**
 * Which runtime runs a model's network: ONNX Runtime (`onnx`, the checkpoint's
 * ONNX file built on first use and cached beside it) or tfjs; `auto` takes
 * ONNX Runtime where onnxruntime-node is installed, else tfjs.
 */
import * as os from 'node:os';
import { onnxRunner, type NetworkRunner, type RuntimeName } from '../ensemble/network';
import { tfjsRunner } from '../ensemble/tfjs_runner';
import { cachedOnnxFile } from '../model/onnx_cache';
import { exportOnnx } from '../model/onnx_export';
import type { Segmentor } from '../model/types';
import { OnnxNetwork } from '../onnx/network';
import { onnxRuntime, requireOnnxRuntime } from '../onnx/node_runtime';
import { packageVersion } from '../util/package_root';

export type RuntimeChoice = 'auto' | RuntimeName;
export const RUNTIME_CHOICES: readonly RuntimeChoice[] = ['auto', 'onnx', 'tfjs'];

export interface RuntimeOptions {
  runtime?: RuntimeChoice;
  /** ONNX Runtime's intra-op threads (default: one per core). */
  onnxThreads?: number;
}

/** The runtime `choice` stands for on this machine. */
export function resolveRuntime(choice: RuntimeChoice = 'auto'): RuntimeName {
  if (!RUNTIME_CHOICES.includes(choice)) throw new Error(`unknown runtime "${String(choice)}" (${RUNTIME_CHOICES.join(', ')})`);
  if (choice !== 'auto') return choice;
  return onnxRuntime() !== null ? 'onnx' : 'tfjs';
}

/** The network of a model held in memory (e.g. during training), exported afresh for ONNX Runtime. */
export async function openModelNetwork(model: Segmentor, opts: RuntimeOptions = {}): Promise<NetworkRunner> {
  if (resolveRuntime(opts.runtime) === 'tfjs') return tfjsRunner(model);
  const onnx = exportOnnx(model, { version: packageVersion() });
  return onnxRunner(await OnnxNetwork.open(requireOnnxRuntime(), onnx, `${model.config.name} (in memory)`, opts.onnxThreads ?? os.availableParallelism(), model.config.numClasses));
}

/** The network of `model`, loaded from model folder `checkpoint`, on the chosen runtime. */
export async function openNetwork(model: Segmentor, checkpoint: string, opts: RuntimeOptions = {}): Promise<NetworkRunner> {
  if (resolveRuntime(opts.runtime) === 'tfjs') return tfjsRunner(model);
  const file = await cachedOnnxFile(checkpoint, packageVersion(), model);
  const network = await OnnxNetwork.open(requireOnnxRuntime(), file, file, opts.onnxThreads ?? os.availableParallelism(), model.config.numClasses);
  return onnxRunner(network);
}
