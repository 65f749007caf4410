/**
 * Generic checkpoint file helpers: named tensors ⇄ tfjs weight bytes + specs,
 * and atomic writing of a folder of files. Used for model weights and reusable
 * for optimizer state.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/** One entry of a tfjs weights manifest (name, shape, dtype). */
export type WeightSpec = tf.io.WeightsManifestEntry;

/**
 * Encodes tensors in the tfjs weights format (tf.io.encodeWeights): one byte
 * buffer and the specs that describe it, in the given order.
 *
 * @param tensors [name, tensor] pairs or a name → tensor map
 * @param group optional tfjs weight group (`model` or `optimizer`)
 */
export async function encodeNamedTensors(
  tensors: Array<[string, tf.Tensor]> | tf.NamedTensorMap,
  group?: tf.io.WeightGroup,
): Promise<{ data: Uint8Array; specs: WeightSpec[] }> {
  const list = Array.isArray(tensors) ? tensors.map(([name, tensor]) => ({ name, tensor })) : tensors;
  const { data, specs } = await tf.io.encodeWeights(list, group);
  return { data: new Uint8Array(data), specs };
}

/** Bytes a spec occupies in a weights buffer. */
export function specByteLength(spec: WeightSpec): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };
  const per = bytes[dtype];
  if (per === undefined) throw new Error(`weight "${spec.name}": unsupported dtype ${dtype}`);
  return size * per;
}

/**
 * Decodes a weights buffer (tf.io.decodeWeights) after checking its length
 * against the specs, so a truncated or padded file is reported, not misread.
 *
 * @param data the bytes
 * @param specs what the bytes hold, in order
 * @param source file name used in error messages
 */
export function decodeNamedTensors(data: Uint8Array, specs: WeightSpec[], source: string): tf.NamedTensorMap {
  const expected = specs.reduce((n, s) => n + specByteLength(s), 0);
  if (data.byteLength !== expected) {
    throw new Error(`${source}: corrupt or truncated weights: ${data.byteLength} bytes, expected ${expected}`);
  }
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  return tf.io.decodeWeights(buffer, specs);
}

/** Hex SHA-256 of some bytes (checksums stored next to the weights). */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Writes `files` (name → contents) as the folder `dir`, atomically: they are
 * written and flushed in a temporary folder beside `dir`, which is then
 * renamed into place. Readers see the old folder or the complete new one,
 * never a half-written one. File names must be plain (no folders).
 */
export async function writeFilesAtomic(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  for (const name of Object.keys(files)) {
    if (name === '' || name !== path.basename(name) || name === '.' || name === '..') {
      throw new Error(`${target}: invalid checkpoint file name "${name}"`);
    }
  }
  const existing = await fs.stat(target).catch(() => null);
  if (existing && !existing.isDirectory()) throw new Error(`${target}: exists and is not a folder`);
  await fs.mkdir(parent, { recursive: true });
  const temp = await fs.mkdtemp(path.join(parent, `.${base}.tmp-`));
  try {
    // mkdtemp makes the folder 0700; the saved model gets the user's umask like any folder they make.
    await fs.chmod(temp, 0o777 & ~process.umask());
    for (const [name, contents] of Object.entries(files)) await writeFileSynced(path.join(temp, name), contents);
    await syncFolder(temp);
    if (existing) {
      // Move the old folder aside first: rename cannot replace a non-empty folder.
      const old = `${temp}.old`;
      await fs.rename(target, old);
      try {
        await fs.rename(temp, target);
      } catch (err) {
        await fs.rename(old, target);
        throw err;
      }
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(temp, target);
    }
    await syncFolder(parent);
  } catch (err) {
    await fs.rm(temp, { recursive: true, force: true });
    throw err;
  }
}

async function writeFileSynced(file: string, contents: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFolder(dir: string): Promise<void> {
  // Flushing a folder's entries is not supported everywhere; it is best effort.
  const handle = await fs.open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // not supported on this file system
  } finally {
    await handle.close();
  }
}

/** Storage types of packed (shipped) weights. */
export type PackedDtype = 'float16' | 'uint8';

/** IEEE half bits of a float32 value (round to nearest even; overflow to infinity). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/**
 * Encodes float32 tensors in the tfjs weights format with quantization
 * (which `tf.io.decodeWeights` undoes on load): `float16`, or `uint8` with
 * one affine (min, scale) per tensor, value ≈ q·scale + min.
 */
export function encodePackedTensors(tensors: Array<[string, tf.Tensor]>, dtype: PackedDtype): { data: Uint8Array; specs: WeightSpec[] } {
  const parts: Uint8Array[] = [];
  const specs: WeightSpec[] = [];
  for (const [name, tensor] of tensors) {
    const values = tensor.dataSync() as Float32Array;
    if (tensor.dtype !== 'float32') throw new Error(`weight "${name}": only float32 weights can be packed, got ${tensor.dtype}`);
    if (dtype === 'float16') {
      const half = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) half[i] = floatToHalf(values[i]);
      parts.push(new Uint8Array(half.buffer));
      specs.push({ name, shape: tensor.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
      continue;
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const scale = max > min ? (max - min) / 255 : 1;
    const q = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) q[i] = Math.round((values[i] - min) / scale);
    parts.push(q);
    specs.push({ name, shape: tensor.shape, dtype: 'float32', quantization: { dtype: 'uint8', min, scale } });
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, specs };
}
