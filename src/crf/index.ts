/** Guidance CRF with content-sensitive label compatibility (METHOD.md §2): public API. */
export { boxFilter, blockAverage, inverseWindowCounts } from './box_filter';
export {
  applyGuidedFilter,
  defaultGuideAllocator,
  prepareGuide,
  DEFAULT_GF_EPS,
  type Guide,
  type GuideAllocator,
  type GuideOptions,
} from './guided_filter';
export { GuidedFilterWorkspace, DEFAULT_STRIP_WIDTH, type SegmentSink } from './gf_kernel';
export { FastGuidedFilterWorkspace, type FastGuidedFilterBuffers } from './fast_guided_filter';
export {
  compatibilityMatrix,
  logPresenceFromGlobalScores,
  logSigmoid,
  oracleLogPresence,
  ORACLE_ABSENT_LOG_PRESENCE,
} from './compatibility';
export { crfSettingsSchema, DEFAULT_CRF_SETTINGS, resolveCrfSettings, type CrfSettings } from './settings';
export { runGuidanceCrf, type CrfInput, type CrfResult } from './guidance_crf';
export { usesWasmKernel, type CrfKernel, type CrfRunOptions } from './kernel';
export { crfWasmSupported, loadCrfWasm } from './wasm/wasm_module';
export { GuidanceCrfPool } from './crf_pool';
export { benchCrf, straightforwardGuidanceCrf, syntheticCrfInput, type CrfBenchOptions, type CrfBenchRow } from './crf_bench';
