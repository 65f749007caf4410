/**
 * Shared fixtures of the engine tests: random convolution cases, float64
 * brute-force convolution references, and backend switching.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { Rng } from '../../src/util/rng';
import assert from 'node:assert/strict';

/** Relative error ‖a − b‖₂ / ‖b‖₂ (L2 norm over all elements); the tests' accuracy measure. */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Tolerance on {@link relL2} for float32 kernels against references. */
export const REL_TOL = 1e-4;

/** A fresh seed per run (printed by failing assertions) so every run sees new shapes. */
export function freshSeed(): number {
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

export function randomArray(rng: Rng, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(-1, 1);
  return out;
}

export type PadSpec = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/** One random convolution: shapes, stride, dilation and padding. */
export interface ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number;
  dilation: number;
  pad: PadSpec;
}

/** The resolved geometry tfjs gives a case (its definition of the op's padding). */
export function caseInfo(c: ConvCase): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(c.x, c.w, [c.stride, c.stride], [c.dilation, c.dilation], c.pad);
}

/**
 * Draws a random case with a non-empty output: batch 1-3, sizes 5-17,
 * channels 1-8, kernel 1/3/7, stride 1-2, dilation 1-3 (up to 12 at stride 1),
 * padding 'same' / 'valid' / a number / explicit per-side pads.
 */
export function randomCase(rng: Rng, opts: { maxDilation?: number; pads?: Array<'same' | 'valid' | 'number' | 'explicit'> } = {}): ConvCase {
  const pads = opts.pads ?? ['same', 'valid', 'number', 'explicit'];
  for (;;) {
    const b = 1 + rng.int(3);
    const h = 5 + rng.int(13);
    const w = 5 + rng.int(13);
    const cin = 1 + rng.int(8);
    const cout = 1 + rng.int(8);
    const k = [1, 3, 5, 7][rng.int(4)];
    const stride = 1 + rng.int(2);
    const maxD = opts.maxDilation ?? (stride === 1 ? 12 : 1);
    // Dilation and stride cannot both exceed 1 in tfjs; favour small dilations.
    const dilation = stride > 1 ? 1 : rng.next() < 0.7 ? 1 + rng.int(Math.min(3, maxD)) : 1 + rng.int(maxD);
    const kind = pads[rng.int(pads.length)];
    let pad: PadSpec;
    if (kind === 'same' || kind === 'valid') pad = kind;
    else if (kind === 'number') pad = rng.int(4);
    else pad = [[0, 0], [rng.int(4), rng.int(4)], [rng.int(4), rng.int(4)], [0, 0]];
    const c: ConvCase = { x: [b, h, w, cin], w: [k, k, cin, cout], stride, dilation, pad };
    const info = caseInfo(c);
    if (info.outHeight > 0 && info.outWidth > 0) return c;
  }
}

export function describeCase(c: ConvCase): string {
  return `x=${c.x} w=${c.w} stride=${c.stride} dilation=${c.dilation} pad=${JSON.stringify(c.pad)}`;
}

/** Float64 brute-force conv pieces: forward y, input gradient dx and filter gradient dw. */
export function bruteConv(
  c: ConvCase,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
): { y: Float64Array; dx: Float64Array; dw: Float64Array } {
  const info = caseInfo(c);
  const [B, H, W, CI] = c.x;
  const [KH, KW, , CO] = c.w;
  const OH = info.outHeight;
  const OW = info.outWidth;
  const { top, left } = info.padInfo;
  const s = c.stride;
  const d = c.dilation;
  const y = new Float64Array(B * OH * OW * CO);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < B; b++)
    for (let a = 0; a < OH; a++)
      for (let q = 0; q < OW; q++)
        for (let i = 0; i < KH; i++) {
          const h = a * s + i * d - top;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < KW; j++) {
            const ww = q * s + j * d - left;
            if (ww < 0 || ww >= W) continue;
            const xBase = ((b * H + h) * W + ww) * CI;
            const oBase = ((b * OH + a) * OW + q) * CO;
            for (let ci = 0; ci < CI; ci++) {
              const wBase = ((i * KW + j) * CI + ci) * CO;
              for (let co = 0; co < CO; co++) {
                y[oBase + co] += x[xBase + ci] * w[wBase + co];
                dx[xBase + ci] += dy[oBase + co] * w[wBase + co];
                dw[wBase + co] += x[xBase + ci] * dy[oBase + co];
              }
            }
          }
        }
  return { y, dx, dw };
}

/** Random x, w and dy arrays for a case. */
export function caseData(rng: Rng, c: ConvCase): { x: Float32Array; w: Float32Array; dy: Float32Array; dyShape: [number, number, number, number] } {
  const info = caseInfo(c);
  const dyShape: [number, number, number, number] = [c.x[0], info.outHeight, info.outWidth, c.w[3]];
  return {
    x: randomArray(rng, c.x.reduce((p, v) => p * v, 1)),
    w: randomArray(rng, c.w.reduce((p, v) => p * v, 1)),
    dy: randomArray(rng, dyShape.reduce((p, v) => p * v, 1)),
    dyShape,
  };
}

/** Runs `f` with `backend` active and returns its result's values (tensors disposed). */
export async function onBackend(backend: 'wasm' | 'cpu', f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return values;
}

/**
 * Runs kernel `kernelName` on `cases` fresh random dilation-1 convolution
 * cases on wasm and on cpu and asserts their results agree (relative L2 < REL_TOL).
 * `inputs` builds the kernel's inputs and attributes for a case.
 */
export async function expectWasmKernelMatchesCpu(
  kernelName: string,
  cases: number,
  inputs: (c: ConvCase, d: ReturnType<typeof caseData>) => { inputs: tf.NamedTensorMap; attrs: Record<string, unknown> },
): Promise<void> {
  const seed = freshSeed();
  const rng = new Rng(seed);
  for (let n = 0; n < cases; n++) {
    const c = randomCase(rng, { maxDilation: 1 });
    const d = caseData(rng, c);
    const run = (): tf.Tensor => {
      const k = inputs(c, d);
      return tf.engine().runKernel(kernelName, k.inputs, k.attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    };
    const [got] = await onBackend('wasm', run);
    const [ref] = await onBackend('cpu', run);
    const err = relL2(got, ref);
    assert.ok(err < REL_TOL, `seed ${seed}: ${describeCase(c)}: rel L2 error ${err}`);
  }
}
