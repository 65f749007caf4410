/**
 * A reusable barrier for worker threads sharing memory (worker_threads +
 * SharedArrayBuffer), used by data-parallel training and the multi-threaded
 * CRF. Built on Atomics, so every write a thread made before arriving is
 * visible to every thread after the barrier opens. A shared abort word lets
 * any party (or the main thread) wake everybody up when one thread fails,
 * instead of leaving them blocked.
 */

/** Control words of a barrier: [arrived, generation, aborted]. */
export const BARRIER_WORDS = 3;
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
/** How long a party spins before it sleeps, in milliseconds. */
const SPIN_MS = 0.2;

/** Thrown by a party woken by {@link SharedBarrier.abort}: another party failed first. */
export class BarrierAbortedError extends Error {
  constructor(what: string) {
    super(`${what}: another thread failed`);
    this.name = 'BarrierAbortedError';
  }
}

/** Shared control block for a barrier (post it to the workers). */
export function createBarrierControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * BARRIER_WORDS));
}

/** Options of a {@link SharedBarrier}. */
export interface BarrierOptions {
  /** Who uses the barrier, for error messages (default "worker threads"). */
  what?: string;
  /** Give up waiting after this many milliseconds (default: wait forever). */
  timeoutMs?: number;
}

/** Barrier over `parties` threads, all holding a view of the same control block. */
export class SharedBarrier {
  /** Milliseconds this party spent waiting for the others, since construction. */
  waitedMs = 0;
  private readonly what: string;
  private readonly timeoutMs: number;

  /**
   * @param ctrl control block from {@link createBarrierControl}
   * @param parties number of threads that must arrive before it opens
   */
  constructor(
    private readonly ctrl: Int32Array,
    readonly parties: number,
    options: BarrierOptions = {},
  ) {
    if (ctrl.length < BARRIER_WORDS || !(ctrl.buffer instanceof SharedArrayBuffer)) {
      throw new Error('SharedBarrier: control block must be a shared Int32Array of 3 words');
    }
    if (!Number.isInteger(parties) || parties < 1) throw new Error(`SharedBarrier: parties must be a positive integer, got ${parties}`);
    this.what = options.what ?? 'worker threads';
    this.timeoutMs = options.timeoutMs ?? Infinity;
  }

  /** Blocks until all parties arrived; throws {@link BarrierAbortedError} once aborted, or an error after the timeout. */
  wait(): void {
    const c = this.ctrl;
    if (Atomics.load(c, ABORTED) !== 0) throw new BarrierAbortedError(this.what);
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.parties - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const start = performance.now();
    // Parties usually arrive close together (same work on the same shapes): spin briefly first, as
    // waking a sleeping thread costs more than the spin.
    while (Atomics.load(c, GENERATION) === generation && performance.now() - start < SPIN_MS);
    while (Atomics.load(c, GENERATION) === generation) {
      Atomics.wait(c, GENERATION, generation, Math.min(500, this.timeoutMs));
      if (performance.now() - start > this.timeoutMs) {
        this.waitedMs += performance.now() - start;
        throw new Error(`${this.what}: barrier timed out after ${this.timeoutMs} ms`);
      }
    }
    this.waitedMs += performance.now() - start;
    if (Atomics.load(c, ABORTED) !== 0) throw new BarrierAbortedError(this.what);
  }

  /** True once {@link abort} was called. */
  get aborted(): boolean {
    return Atomics.load(this.ctrl, ABORTED) !== 0;
  }

  /** Marks the barrier failed and wakes every waiting party (they throw). Callable from any thread. */
  abort(): void {
    abortBarrier(this.ctrl);
  }

  /** Clears the state for a new run; only while no party is waiting. */
  reset(): void {
    this.ctrl.fill(0);
  }
}

/** Aborts the barrier of control block `ctrl` (for threads that are not a party, e.g. the main thread). */
export function abortBarrier(ctrl: Int32Array): void {
  Atomics.store(ctrl, ABORTED, 1);
  Atomics.add(ctrl, GENERATION, 1);
  Atomics.notify(ctrl, GENERATION);
}
