/** Worker thread of {@link GuidanceCrfPool}: runs its band of every mean-field phase. */
import { parentPort } from 'node:worker_threads';
import { SharedBarrier } from './barrier';
import { MeanFieldEngine, runMeanFieldBand } from './mean_field';
import type { WorkerRunMessage } from './crf_pool';

if (parentPort === null) throw new Error('crf_worker.ts must run as a worker thread');
const port = parentPort;

port.on('message', (msg: WorkerRunMessage) => {
  const barrier = new SharedBarrier(msg.ctrl, msg.parties);
  try {
    const engine = new MeanFieldEngine(msg.guide, msg.numClasses, msg.buffers, msg.settings, msg.logPresence);
    runMeanFieldBand(engine, msg.band, () => barrier.wait());
    barrier.wait();
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    // Main is blocked in the barrier, so the text goes through shared memory.
    if (Atomics.load(msg.ctrl, 2) === 0) new TextEncoder().encodeInto(`worker ${msg.index}: ${text}`, msg.errorText);
    barrier.fail();
  }
});
port.postMessage('ready');
