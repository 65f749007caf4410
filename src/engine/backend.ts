/**
 * Backend set-up: picks the tfjs backend and registers the project's kernels
 * on it. `wasm` is the default, `cpu` the correctness reference, and
 * `tensorflow` (tfjs-node) is used when that optional package is installed.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { z } from 'zod';
import { registerProjectKernels } from './kernels';

/** tfjs backends by name (`auto`: tfjs-node where installed, else wasm). */
export const backendSchema = z.enum(['auto', 'wasm', 'cpu', 'tensorflow']);
export type BackendName = z.infer<typeof backendSchema>;

/** True when `@tensorflow/tfjs-node` (or -gpu) can be loaded here. */
export function nativeBackendAvailable(): boolean {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

function loadNativeBackend(): boolean {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require(pkg);
      return true;
    } catch {
      // not installed or not loadable on this machine
    }
  }
  return false;
}

/**
 * Activates a backend and returns the name actually in use.
 * `auto` prefers tfjs-node when installed, else wasm.
 */
export async function initBackend(name: BackendName = 'wasm'): Promise<string> {
  let target: string = name;
  if (name === 'auto' || name === 'tensorflow') {
    if (loadNativeBackend()) target = 'tensorflow';
    else if (name === 'tensorflow') {
      throw new Error('backend "tensorflow" needs @tensorflow/tfjs-node, which is not installed');
    } else target = 'wasm';
  }
  registerProjectKernels();
  // Production mode: skips tfjs's debug checks and its "install tfjs-node" banner.
  tf.env().set('PROD', true);
  const ok = await tf.setBackend(target);
  if (!ok) throw new Error(`backend "${target}" failed to initialize`);
  await tf.ready();
  return tf.getBackend();
}
