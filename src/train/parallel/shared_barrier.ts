/**
 * A reusable barrier for worker threads sharing memory. Built on Atomics, so
 * every write a thread made before arriving is visible to every thread after
 * the barrier opens. A shared abort word lets any party (or the main thread)
 * wake everybody up when a worker fails, instead of leaving them blocked.
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
  constructor() {
    super('data-parallel training: another worker failed');
    this.name = 'BarrierAbortedError';
  }
}

/** Shared control block for a barrier (post it to the workers). */
export function createBarrierControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * BARRIER_WORDS));
}

/** Barrier over `parties` threads, all holding a view of the same control block. */
export class SharedBarrier {
  /** Milliseconds this party spent waiting for the others, since construction. */
  waitedMs = 0;

  /**
   * @param ctrl control block from {@link createBarrierControl}
   * @param parties number of threads that must arrive before it opens
   */
  constructor(
    private readonly ctrl: Int32Array,
    readonly parties: number,
  ) {
    if (ctrl.length < BARRIER_WORDS || !(ctrl.buffer instanceof SharedArrayBuffer)) {
      throw new Error('SharedBarrier: control block must be a shared Int32Array of 3 words');
    }
  }

  /** Blocks until all parties arrived; throws {@link BarrierAbortedError} once aborted. */
  wait(): void {
    const c = this.ctrl;
    if (Atomics.load(c, ABORTED) !== 0) throw new BarrierAbortedError();
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.parties - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const start = performance.now();
    // Parties usually arrive close together (same layer on the same shapes): spin briefly first, as
    // waking a sleeping thread costs more than the spin.
    while (Atomics.load(c, GENERATION) === generation && performance.now() - start < SPIN_MS);
    while (Atomics.load(c, GENERATION) === generation) Atomics.wait(c, GENERATION, generation, 500);
    this.waitedMs += performance.now() - start;
    if (Atomics.load(c, ABORTED) !== 0) throw new BarrierAbortedError();
  }

  /** True once {@link abort} was called. */
  get aborted(): boolean {
    return Atomics.load(this.ctrl, ABORTED) !== 0;
  }

  /** Marks the barrier failed and wakes every waiting party (they throw). Callable from any thread. */
  abort(): void {
    abortBarrier(this.ctrl);
  }
}

/** Aborts the barrier of control block `ctrl` (for threads that are not a party, e.g. the main thread). */
export function abortBarrier(ctrl: Int32Array): void {
  Atomics.store(ctrl, ABORTED, 1);
  Atomics.add(ctrl, GENERATION, 1);
  Atomics.notify(ctrl, GENERATION);
}
