// Guidance CRF kernel (WebAssembly SIMD): the host lays out the band's buffers
// in this instance's memory, sets them with the set* functions, then calls
// guideRows (or copies a guide in), packRows, initRows and iterate (the last one also writes the labels).
export { setShape, setWeights, setMaps, setPacked, setScratch } from './state';
export { guideRows, packRows } from './guide';
export { initRows } from './update';
export { iterate } from './filter';

/** First byte the host may use (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
