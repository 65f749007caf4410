/** The band kernels by name, and the choice of one for a run. */
import type { CrfBandKernel } from './band_kernel';
import type { CrfKernelChoice } from './crf_input';
import { jsKernel } from './js_kernel';
import type { CrfSettings } from './settings';
import { wasmKernel } from './wasm/wasm_kernel';
import { crfWasmSupported } from './wasm/wasm_module';

/** Every kernel, by the name its jobs carry (a worker thread looks its job's kernel up here). */
export const CRF_KERNELS: ReadonlyMap<string, CrfBandKernel> = new Map<string, CrfBandKernel>([
  [jsKernel.name, jsKernel],
  [wasmKernel.name, wasmKernel],
]);

/** The kernel for a run with these settings and L classes: the chosen one where it covers them, else `js`. */
export function selectKernel(choice: CrfKernelChoice | undefined, settings: CrfSettings, L: number): CrfBandKernel {
  const k = choice ?? 'auto';
  if (k !== 'auto' && k !== 'wasm' && k !== 'js') throw new Error(`guidance CRF: unknown kernel '${String(k)}' (auto, wasm or js)`);
  if (k === 'js') return jsKernel;
  if (k === 'wasm' && !crfWasmSupported()) throw new Error('guidance CRF: kernel "wasm" needs WebAssembly SIMD, missing in this runtime');
  return wasmKernel.covers(settings, L) ? wasmKernel : jsKernel;
}

/** The kernel a worker thread runs for a job. */
export function kernelOfJob(name: string): CrfBandKernel {
  const kernel = CRF_KERNELS.get(name);
  if (kernel === undefined) throw new Error(`guidance CRF: no kernel named '${name}'`);
  return kernel;
}
