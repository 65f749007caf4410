/**
 * The project's WebAssembly SIMD training kernels (AssemblyScript sources in
 * `assembly/`, compiled by scripts/build_wasm.mjs): one instance per thread,
 * its memory grown to fit the operands, which are copied in and out.
 */
import { base64Bytes } from '../../util/base64';
import { ENGINE_WASM_BASE64 } from './engine_wasm_binary';

interface EngineWasmExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  depthwiseFilterGrad(
    x: number, dy: number, out: number,
    B: number, H: number, W: number, C: number, OH: number, OW: number, KH: number, KW: number,
    sh: number, sw: number, dh: number, dw: number, top: number, left: number,
  ): void;
  relu6Grad(x: number, dy: number, n: number): void;
}

let instance: EngineWasmExports | null | undefined;

/** The kernel instance of this thread, or null where WebAssembly SIMD is missing. */
function engineWasm(): EngineWasmExports | null {
  if (instance === undefined) {
    const bytes = base64Bytes(ENGINE_WASM_BASE64);
    instance = typeof WebAssembly === 'object' && WebAssembly.validate(bytes)
      ? (new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as EngineWasmExports)
      : null;
  }
  return instance;
}

/** Byte offsets of float32 arrays of the given lengths, laid out after the static data (memory grown to fit). */
function layout(k: EngineWasmExports, lengths: number[]): number[] {
  let at = (k.heapBase() + 15) & ~15;
  const offsets = lengths.map((n) => {
    const p = at;
    at = (at + 4 * n + 15) & ~15;
    return p;
  });
  const missing = at - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  return offsets;
}

/**
 * Depthwise filter gradient (multiplier 1) on the SIMD kernel: fills `out`
 * [KH·KW·C]. Returns false (out untouched) where WebAssembly SIMD is missing.
 */
export function depthwiseFilterGradWasm(
  info: { batchSize: number; inHeight: number; inWidth: number; inChannels: number; outHeight: number; outWidth: number;
    filterHeight: number; filterWidth: number; strideHeight: number; strideWidth: number; dilationHeight: number;
    dilationWidth: number; padInfo: { top: number; left: number } },
  x: Float32Array,
  dy: Float32Array,
  out: Float32Array,
): boolean {
  const k = engineWasm();
  if (!k) return false;
  const [px, pdy, pout] = layout(k, [x.length, dy.length, out.length]);
  const heap = k.memory.buffer;
  new Float32Array(heap, px, x.length).set(x);
  new Float32Array(heap, pdy, dy.length).set(dy);
  const result = new Float32Array(heap, pout, out.length);
  result.fill(0);
  k.depthwiseFilterGrad(
    px, pdy, pout,
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left,
  );
  out.set(result);
  return true;
}

/** ReLU6 gradient on the SIMD kernel: dx = dy where 0 < x ≤ 6, else 0. Returns false where WebAssembly SIMD is missing. */
export function relu6GradWasm(x: Float32Array, dy: Float32Array, dx: Float32Array): boolean {
  const k = engineWasm();
  if (!k) return false;
  const [px, pdy] = layout(k, [x.length, dy.length]);
  const heap = k.memory.buffer;
  new Float32Array(heap, px, x.length).set(x);
  const grad = new Float32Array(heap, pdy, dy.length);
  grad.set(dy);
  k.relu6Grad(px, pdy, x.length);
  dx.set(grad);
  return true;
}
