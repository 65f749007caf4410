/**
 * Worker thread of the `train-step` ceiling measurement: its own backend and
 * model copy; per message it computes the gradients of the batch it is sent
 * (BatchNorm over that batch alone) and discards them. No statistics
 * exchange, no weight traffic, no optimizer: what is left is the compute
 * itself, run on every core at once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendName } from '../engine/backend';
import type { ModelConfig } from '../model/model_config';
import { initBackend } from '../engine/backend';
import { buildSegmentor } from '../model/build';
import { computeGradients, type Batch } from '../train/train_step';
import { Rng } from '../util/rng';

/** What the worker is started with. */
export interface GradientWorkerInit {
  backend: BackendName;
  model: ModelConfig;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('gradient_worker must run in a worker thread');
  const init = workerData as GradientWorkerInit;
  await initBackend(init.backend);
  const model = buildSegmentor(init.model, 1);
  port.on('message', (batch: Batch) => {
    const { grads } = computeGradients(model, batch, { clsLossWeight: 1, rng: new Rng(2) });
    for (const g of Object.values(grads)) g.dispose();
    port.postMessage('done');
  });
  port.postMessage('ready');
}

main().catch((err) => {
  // Surfaces as the Worker's 'error' event in the main thread.
  setImmediate(() => {
    throw err;
  });
});
