/**
 * The plain JavaScript band kernel: exact and fast guided filter, any L and T.
 * The guide is prepared once on the calling thread; the bands share every map.
 */
import { guideAllocator, readableByAll, shareGuide, type CrfBandKernel, type CrfJob, type CrfMemory } from './band_kernel';
import { checkCrfInput, usedLogPresence } from './crf_input';
import type { Guide } from './guide';
import { MeanFieldEngine, runMeanFieldBand, splitBands, type Band, type MeanFieldBuffers } from './mean_field';
import type { CrfSettings } from './settings';

/** A run on the JavaScript kernel. */
export interface JsJob extends CrfJob {
  kernel: 'js';
  guide: Guide;
  numClasses: number;
  settings: CrfSettings;
  buffers: MeanFieldBuffers;
  logPresence: Float64Array | null;
  bands: Band[];
}

function meanFieldBuffers(unary: Float32Array, guide: Guide, L: number, memory: CrfMemory): MeanFieldBuffers {
  const n = guide.height * guide.width;
  const nLow = guide.low ? guide.low.height * guide.low.width : 0;
  // The fast filter filters L − 1 classes (the last message is 1 − Σ of the others).
  const F = L > 1 ? L - 1 : 1;
  return {
    unary: readableByAll(memory, 'unary', unary),
    q: [memory.f32('q0', n * L), memory.f32('q1', n * L)],
    labels: memory.u8('labels', n),
    fast: nLow > 0 ? { pLow: memory.f32('pLow', nLow * F), coef: memory.f64('coef', nLow * 4 * F) } : null,
  };
}

export const jsKernel: CrfBandKernel<JsJob, undefined> = {
  name: 'js',
  covers: () => true,
  prepare(input, settings, parties, memory) {
    const guide = shareGuide(checkCrfInput(input, settings, guideAllocator(memory)), memory);
    const lp = usedLogPresence(input, settings);
    const job: JsJob = {
      kernel: 'js',
      parties,
      guide,
      numClasses: input.numClasses,
      settings,
      buffers: meanFieldBuffers(input.unary, guide, input.numClasses, memory),
      logPresence: lp === null ? null : Float64Array.from(lp),
      bands: splitBands(guide, parties),
    };
    return { job, local: undefined };
  },
  runBand(job, index, barrier) {
    const engine = new MeanFieldEngine(job.guide, job.numClasses, job.buffers, job.settings, job.logPresence);
    runMeanFieldBand(engine, job.bands[index], barrier);
  },
  result: (job) => ({ scores: job.buffers.q[job.settings.T % 2], labels: job.buffers.labels }),
};
