/**
 * Loads the guidance CRF's WebAssembly SIMD kernel from its embedded bytes
 * (no file access, so it works in Node and in browsers). Compiled once per
 * thread; every band gets its own instance and memory.
 */
import { base64Bytes } from '../../util/base64';
import { CRF_WASM_BASE64 } from './crf_wasm_binary';

/** Functions the kernel exports (addresses are byte offsets into `memory`). */
export interface CrfWasmExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  setShape(h: number, w: number, r: number, l: number, g0: number, g1: number, y0: number, y1: number, strip: number): void;
  setWeights(w: number, wLambda: number, eps: number): void;
  setMaps(image: number, mean: number, invCov: number, unary: number, invRows: number, invCols: number, logP: number): void;
  setPacked(image32: number, mean32: number, invCov32: number, invCols32: number, unaryT: number): void;
  setScratch(col1: number, col2: number, ring: number, msgRow: number, scores: number, moments: number, labels: number): void;
  guideRows(c0: number, c1: number): void;
  packRows(): void;
  initRows(q: number): void;
  iterate(src: number, dst: number, last: number): void;
}

let bytes: Uint8Array<ArrayBuffer> | null = null;
let compiled: WebAssembly.Module | null = null;
let supported: boolean | null = null;
/** An instance made asynchronously by {@link loadCrfWasm}, handed to the first caller. */
let ready: CrfWasmExports | null = null;

function kernelBytes(): Uint8Array<ArrayBuffer> {
  if (bytes === null) bytes = base64Bytes(CRF_WASM_BASE64);
  return bytes;
}

/** Whether this runtime has WebAssembly with 128-bit SIMD (validates the kernel itself). */
export function crfWasmSupported(): boolean {
  if (supported === null) {
    supported = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(kernelBytes());
  }
  return supported;
}

/**
 * Compiles and instantiates the kernel ahead of use without blocking (browsers
 * may refuse synchronous compiles of large modules on the main thread); call it
 * once before the first CRF run there. Resolves to whether the kernel is usable.
 */
export async function loadCrfWasm(): Promise<boolean> {
  if (compiled === null && crfWasmSupported()) compiled = await WebAssembly.compile(kernelBytes());
  if (compiled !== null && ready === null) ready = (await WebAssembly.instantiate(compiled, {})).exports as unknown as CrfWasmExports;
  return compiled !== null;
}

/** A fresh kernel instance with its own memory; compiles synchronously on first use if {@link loadCrfWasm} was not awaited. */
export function instantiateCrfWasm(): CrfWasmExports {
  if (!crfWasmSupported()) throw new Error('guidance CRF: this runtime lacks WebAssembly SIMD (use kernel "js")');
  if (ready !== null) {
    const k = ready;
    ready = null;
    return k;
  }
  if (compiled === null) compiled = new WebAssembly.Module(kernelBytes());
  return new WebAssembly.Instance(compiled, {}).exports as unknown as CrfWasmExports;
}
