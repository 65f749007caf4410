/** Worker thread of {@link GuidanceCrfPool}: runs its band of every mean-field phase. */
import { parentPort } from 'node:worker_threads';
import { SharedBarrier } from '../util/shared_barrier';
import { CRF_BARRIER, type WasmWorkerRunMessage, type WorkerRunMessage } from './crf_messages';
import { MeanFieldEngine, runMeanFieldBand } from './mean_field';
import { WasmBand } from './wasm/wasm_band';
import { runWasmBand } from './wasm/wasm_mean_field';

if (parentPort === null) throw new Error('crf_worker.ts must run as a worker thread');
const port = parentPort;

/** This thread's kernel instance (wasm kernel), reused across images. */
let band: WasmBand | null = null;

port.on('message', (msg: WorkerRunMessage | WasmWorkerRunMessage) => {
  const barrier = new SharedBarrier(msg.ctrl, msg.parties, CRF_BARRIER);
  try {
    if (msg.kernel === 'wasm') {
      band ??= new WasmBand();
      const outputs = { scores: msg.exchange[msg.T % 2], labels: msg.labels };
      const inputs = { image: msg.image, guide: msg.guide, unary: msg.unary };
      runWasmBand(band, msg.shape, msg.T, inputs, outputs, msg.exchange, () => barrier.wait());
    } else {
      const engine = new MeanFieldEngine(msg.guide, msg.numClasses, msg.buffers, msg.settings, msg.logPresence);
      runMeanFieldBand(engine, msg.band, () => barrier.wait());
    }
    barrier.wait();
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    // Main is blocked in the barrier, so the text goes through shared memory.
    if (!barrier.aborted) new TextEncoder().encodeInto(`worker ${msg.index}: ${text}`, msg.errorText);
    barrier.abort();
  }
});
port.postMessage('ready');
