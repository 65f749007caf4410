/**
 * The CRF's execution seam. A band kernel runs the mean-field schedule on a
 * band of image rows; an executor (inline: `runGuidanceCrf`, or a thread pool:
 * `GuidanceCrfPool`) splits the image into bands and runs them, one per thread,
 * with a barrier where a phase reads other bands' rows. Adding a CRF variant
 * means one kernel file and one line in `kernels.ts`.
 */
import type { CrfInput, CrfResult } from './crf_input';
import type { Guide, GuideAllocator } from './guide';
import type { CrfSettings } from './settings';

/** What every thread of a run receives (structured-cloneable; its maps are shared when the run has several threads). */
export interface CrfJob {
  /** Name of the kernel in `kernels.ts`, so a worker thread finds it. */
  readonly kernel: string;
  /** Number of bands (threads) of the run. */
  readonly parties: number;
}

/** A prepared run: the job for every thread, and what only the calling thread's band 0 uses (never sent). */
export interface PreparedRun<J extends CrfJob, Local> {
  job: J;
  local: Local;
}

/** One way of computing the guidance CRF. */
export interface CrfBandKernel<J extends CrfJob = CrfJob, Local = unknown> {
  readonly name: string;
  /** Whether the kernel handles these settings with L classes (else the executor falls back to `js`). */
  covers(settings: CrfSettings, L: number): boolean;
  /** Checks the input and lays out a run of `parties` bands, its maps from `memory`. */
  prepare(input: CrfInput, settings: CrfSettings, parties: number, memory: CrfMemory): PreparedRun<J, Local>;
  /** Runs band `index` (on any thread); `barrier` returns once every band has reached it; `local` is given to band 0 only. */
  runBand(job: J, index: number, barrier: () => void, local?: Local): void;
  /** The result once every band finished; its arrays may be `memory`'s maps. */
  result(job: J, local: Local): CrfResult;
}

/** Where a run's big maps come from: fresh plain arrays (one thread) or shared ones reused by name (a pool). */
export interface CrfMemory {
  readonly shared: boolean;
  f32(name: string, length: number): Float32Array;
  f64(name: string, length: number): Float64Array;
  u8(name: string, length: number): Uint8Array;
}

/** Fresh plain arrays on every call: a single-thread run. */
export const PLAIN_MEMORY: CrfMemory = {
  shared: false,
  f32: (_name, n) => new Float32Array(n),
  f64: (_name, n) => new Float64Array(n),
  u8: (_name, n) => new Uint8Array(n),
};

/** SharedArrayBuffer maps kept by name and reused while their size stays the same (allocating shared memory is slow). */
export class ReusedSharedMemory implements CrfMemory {
  readonly shared = true;
  private readonly maps = new Map<string, Float32Array | Float64Array | Uint8Array>();

  f32(name: string, length: number): Float32Array {
    return this.get(name, length, Float32Array);
  }

  f64(name: string, length: number): Float64Array {
    return this.get(name, length, Float64Array);
  }

  u8(name: string, length: number): Uint8Array {
    return this.get(name, length, Uint8Array);
  }

  private get<A extends Float32Array | Float64Array | Uint8Array>(
    name: string,
    length: number,
    type: { new (buffer: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number },
  ): A {
    const old = this.maps.get(name);
    if (old instanceof type && old.length === length) return old;
    const a = new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT));
    this.maps.set(name, a);
    return a;
  }
}

/** Whether an array lives in shared memory. */
export function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** The guide allocator that takes its maps from `memory`. */
export function guideAllocator(memory: CrfMemory, prefix = ''): GuideAllocator {
  return (name, length, type) => (type === 'float32' ? memory.f32(prefix + name, length) : memory.f64(prefix + name, length));
}

/**
 * `source` where the run's threads can read it: itself in plain memory or when
 * already shared; else a shared copy of its values from index `from` on (the
 * only ones other threads read).
 */
export function readableByAll(memory: CrfMemory, name: string, source: Float32Array, from?: number): Float32Array;
export function readableByAll(memory: CrfMemory, name: string, source: Float32Array | Uint8Array, from?: number): Float32Array | Uint8Array;
export function readableByAll(memory: CrfMemory, name: string, source: Float32Array | Uint8Array, from = 0): Float32Array | Uint8Array {
  if (!memory.shared || (isShared(source) && source instanceof Float32Array)) return source;
  const copy = memory.f32(name, source.length);
  copy.set(source.subarray(from), from);
  return copy;
}

/** The guide with its big maps in `memory` when that is shared (the guide itself otherwise, or if they already are). */
export function shareGuide(g: Guide, memory: CrfMemory, prefix = ''): Guide {
  if (!memory.shared || isShared(g.image)) return g;
  const copy = <T extends Float32Array | Float64Array>(name: string, a: T): T => {
    const b = (a instanceof Float32Array ? memory.f32(prefix + name, a.length) : memory.f64(prefix + name, a.length)) as T;
    b.set(a);
    return b;
  };
  return {
    ...g,
    image: copy('image', g.image),
    mean: copy('mean', g.mean),
    invCov: copy('invCov', g.invCov),
    low: g.low ? shareGuide(g.low, memory, `${prefix}low.`) : null,
  };
}
