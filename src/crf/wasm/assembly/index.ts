// Guidance CRF kernel (WebAssembly SIMD): the host lays out the band's buffers
// in this instance's memory, sets them with the set* functions, then calls
// guideRows, initRows, iterate and labelRows.
export { setShape, setWeights, setMaps, setScratch } from './state';
export { guideRows } from './guide';
export { initRows, labelRows } from './update';
export { iterate } from './filter';

/** First byte the host may use (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
