/** Worker thread of {@link GuidanceCrfPool}: runs its band of every job it is sent. */
import { parentPort } from 'node:worker_threads';
import { SharedBarrier } from '../util/shared_barrier';
import { CRF_BARRIER, type BandRunMessage } from './crf_messages';
import { kernelOfJob } from './kernels';

if (parentPort === null) throw new Error('crf_worker.ts must run as a worker thread');
const port = parentPort;

port.on('message', (msg: BandRunMessage) => {
  const barrier = new SharedBarrier(msg.ctrl, msg.job.parties, CRF_BARRIER);
  try {
    kernelOfJob(msg.job.kernel).runBand(msg.job, msg.index, () => barrier.wait());
    barrier.wait();
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    // Main is blocked in the barrier, so the text goes through shared memory.
    if (!barrier.aborted) new TextEncoder().encodeInto(`worker ${msg.index}: ${text}`, msg.errorText);
    barrier.abort();
  }
});
port.postMessage('ready');
