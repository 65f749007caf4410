/** Choice between the WebAssembly SIMD kernel and the plain JavaScript one. */
import type { CrfSettings } from './settings';
import { crfWasmSupported } from './wasm/wasm_module';

/**
 * `wasm`: WebAssembly SIMD kernel (an error where the runtime lacks SIMD);
 * `js`: plain JavaScript kernel; `auto` (default): wasm where supported.
 * Either way, cases the wasm kernel does not cover (fast filter, L = 1, T = 0)
 * run on the JavaScript kernel. Both give the same results up to float rounding.
 */
export type CrfKernel = 'auto' | 'wasm' | 'js';

/** Execution options of a CRF run (not CRF settings: they do not change results beyond rounding). */
export interface CrfRunOptions {
  kernel?: CrfKernel;
}

/** Whether a run with these settings and L classes goes to the WebAssembly kernel. */
export function usesWasmKernel(kernel: CrfKernel | undefined, settings: CrfSettings, L: number): boolean {
  const k = kernel ?? 'auto';
  if (k !== 'auto' && k !== 'wasm' && k !== 'js') throw new Error(`guidance CRF: unknown kernel '${String(k)}' (auto, wasm or js)`);
  if (k === 'js') return false;
  if (k === 'wasm' && !crfWasmSupported()) throw new Error('guidance CRF: kernel "wasm" needs WebAssembly SIMD, missing in this runtime');
  return settings.subsample === 1 && L >= 2 && settings.T >= 1 && crfWasmSupported();
}
