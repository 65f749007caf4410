/**
 * One thread's band of the guidance CRF on the WebAssembly kernel: lays out
 * the band's maps in the instance's own memory (rows [g0, g1) = the output
 * rows [y0, y1) plus the 2r-row halo the filter reads), fills them, runs the
 * phases, and copies rows between the instance and the caller's arrays.
 */
import { inverseWindowCounts } from '../box_filter';
import { instantiateCrfWasm, type CrfWasmExports } from './wasm_module';

/** Band geometry and CRF parameters of one run. */
export interface WasmBandShape {
  height: number;
  width: number;
  numClasses: number;
  radius: number;
  eps: number;
  /** Output rows [y0, y1). */
  y0: number;
  y1: number;
  /** Pairwise weight w and w·λ (0 = Potts). */
  w: number;
  wLambda: number;
  /** ĝ per class (ignored when wLambda is 0). */
  logPresence: ArrayLike<number> | null;
}

/** Output columns per strip: keeps the ring of pass-1 rows (about 0.4 MB at L = 11, r = 4) in the core's cache. */
export const WASM_STRIP_WIDTH = 256;

const PAGE = 65536;
const align = (n: number) => (n + 15) & ~15;

/** A kernel instance and the layout of its current band. Not thread-safe: one per thread. */
export class WasmBand {
  private readonly k: CrfWasmExports = instantiateCrfWasm();
  private shape: WasmBandShape | null = null;
  /** Stored rows [g0, g1); guide statistics are needed on [c0, c1). */
  g0 = 0;
  g1 = 0;
  private c0 = 0;
  private c1 = 0;
  private image = 0;
  private mean = 0;
  private invCov = 0;
  private unary = 0;
  private q: [number, number] = [0, 0];
  private labels = 0;

  constructor(readonly stripWidth: number = WASM_STRIP_WIDTH) {}

  /** Lays out the band (growing the memory if needed) and sets the kernel's parameters. */
  configure(s: WasmBandShape): void {
    const { height: H, width: W, numClasses: L, radius: r } = s;
    if (L < 2) throw new Error('WasmBand: needs at least 2 classes');
    this.shape = s;
    this.g0 = Math.max(0, s.y0 - 2 * r);
    this.g1 = Math.min(H, s.y1 + 2 * r);
    this.c0 = Math.max(0, s.y0 - r);
    this.c1 = Math.min(H, s.y1 + r);
    const rows = this.g1 - this.g0;
    // Strips start at multiples of 4: the updates' pixel groups are aligned to columns 0, 4, 8, …
    const strip = Math.min(W, (Math.max(1, this.stripWidth) + 3) & ~3);
    const CP = (L + 2) & ~3; // F = L − 1 filtered channels, rounded up to a multiple of 4
    const LP = (L + 3) & ~3;
    const colBytes = 4 * CP * 4;
    let at = align(this.k.heapBase());
    const take = (bytes: number) => {
      const p = at;
      at = align(at + bytes + 16);
      return p;
    };
    this.image = take(rows * W * 24);
    this.mean = take(rows * W * 24);
    this.invCov = take(rows * W * 48);
    this.unary = take(rows * W * L * 4);
    this.q = [take(rows * W * L * 4), take(rows * W * L * 4)];
    const image32 = take(rows * W * 16);
    const mean32 = take(rows * W * 16);
    const invCov32 = take(rows * W * 32);
    const unaryT = take(rows * ((W + 3) & ~3) * L * 4);
    const invRows = take(H * 8);
    const invCols = take(W * 8);
    const invCols32 = take(W * 4);
    const logP = take(LP * 4);
    const col1 = take((strip + 6 * r + 2) * colBytes);
    const col2 = take((strip + 4 * r + 2) * colBytes);
    const ring = take((2 * r + 2) * (strip + 2 * r) * colBytes);
    const msgRow = take(((strip + 3) & ~3) * CP * 4);
    const scores = take(L * 16);
    const moments = take((W + 1) * 80);
    this.labels = take((s.y1 - s.y0) * W);
    const mem = this.k.memory;
    if (at > mem.buffer.byteLength) mem.grow(Math.ceil((at - mem.buffer.byteLength) / PAGE));
    const k = this.k;
    k.setShape(H, W, r, L, this.g0, this.g1, s.y0, s.y1, strip);
    k.setWeights(s.w, s.wLambda, s.eps);
    k.setMaps(this.image, this.mean, this.invCov, this.unary, invRows, invCols, logP);
    k.setPacked(image32, mean32, invCov32, invCols32, unaryT);
    k.setScratch(col1, col2, ring, msgRow, scores, moments, this.labels);
    this.f64(invRows, H).set(inverseWindowCounts(H, r));
    this.f64(invCols, W).set(inverseWindowCounts(W, r));
    const g = this.f32(logP, LP).fill(0);
    if (s.wLambda !== 0 && s.logPresence) for (let l = 0; l < L; l++) g[l] = s.logPresence[l];
  }

  /** Image rows [g0, g1) from the full RGB image (HWC, 0..255), then the guide statistics in the kernel. */
  computeGuide(image: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }): void {
    const W = this.shape!.width;
    this.f64(this.image, (this.g1 - this.g0) * W * 3).set(image.subarray(this.g0 * W * 3, this.g1 * W * 3));
    this.k.guideRows(this.c0, this.c1);
    this.k.packRows();
  }

  /** Image rows and guide statistics copied from a prepared exact guide's maps. */
  copyGuide(image: Float32Array, mean: Float64Array, invCov: Float64Array): void {
    const W = this.shape!.width;
    const rows = this.g1 - this.g0;
    this.f64(this.image, rows * W * 3).set(image.subarray(this.g0 * W * 3, this.g1 * W * 3));
    const local = (this.c0 - this.g0) * W;
    const n = (this.c1 - this.c0) * W;
    this.f64(this.mean + local * 24, n * 3).set(mean.subarray(this.c0 * W * 3, this.c1 * W * 3));
    this.f64(this.invCov + local * 48, n * 6).set(invCov.subarray(this.c0 * W * 6, this.c1 * W * 6));
    this.k.packRows();
  }

  /** Unary rows [g0, g1) from the full HWL unary, then Q⁰ = softmax(U) on them. */
  init(unary: Float32Array): void {
    const { width: W, numClasses: L } = this.shape!;
    this.f32(this.unary, (this.g1 - this.g0) * W * L).set(unary.subarray(this.g0 * W * L, this.g1 * W * L));
    this.k.initRows(this.q[0]);
  }

  /** Iteration t: reads Q from buffer t % 2, writes the band rows of the other (scores S on the last iteration). */
  iterate(t: number, last: boolean): void {
    this.k.iterate(this.q[t % 2], this.q[(t + 1) % 2], last ? 1 : 0);
  }

  /** Copies global rows [a, b) of buffer `which` out to `dst` (full HWL map). */
  rowsOut(which: number, a: number, b: number, dst: Float32Array): void {
    if (b <= a) return;
    const n = this.shape!.width * this.shape!.numClasses;
    dst.set(this.f32(this.q[which] + (a - this.g0) * n * 4, (b - a) * n), a * n);
  }

  /** Copies global rows [a, b) of `src` (full HWL map) into buffer `which`. */
  rowsIn(which: number, a: number, b: number, src: Float32Array): void {
    if (b <= a) return;
    const n = this.shape!.width * this.shape!.numClasses;
    this.f32(this.q[which] + (a - this.g0) * n * 4, (b - a) * n).set(src.subarray(a * n, b * n));
  }

  /** Labels = argmax of the last iteration's scores for the band rows, copied into `dst` (H·W). */
  labelsOut(dst: Uint8Array): void {
    const { width: W, y0, y1 } = this.shape!;
    dst.set(new Uint8Array(this.k.memory.buffer, this.labels, (y1 - y0) * W), y0 * W);
  }

  private f64(at: number, n: number): Float64Array {
    return new Float64Array(this.k.memory.buffer, at, n);
  }

  private f32(at: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, at, n);
  }
}
