/**
 * Barrier for threads sharing memory (worker_threads + SharedArrayBuffer),
 * built on Atomics so a phase's writes are visible to every thread after it.
 */

/** Control words: [arrived, generation, failed]. */
export const BARRIER_WORDS = 3;

/** Reusable barrier over a shared Int32Array of {@link BARRIER_WORDS} words. */
export class SharedBarrier {
  constructor(
    private readonly ctrl: Int32Array,
    private readonly parties: number,
    private readonly timeoutMs: number = 120_000,
  ) {}

  /** Blocks until all parties have arrived; throws if any party called {@link fail}. */
  wait(): void {
    const c = this.ctrl;
    const gen = Atomics.load(c, 1);
    if (Atomics.load(c, 2) !== 0) throw new Error('guidance CRF: another thread failed');
    if (Atomics.add(c, 0, 1) === this.parties - 1) {
      Atomics.store(c, 0, 0);
      Atomics.add(c, 1, 1);
      Atomics.notify(c, 1);
      return;
    }
    // A short spin catches the common case of bands finishing together.
    for (let i = 0; i < 2000; i++) if (Atomics.load(c, 1) !== gen) break;
    const deadline = Date.now() + this.timeoutMs;
    while (Atomics.load(c, 1) === gen) {
      Atomics.wait(c, 1, gen, 1000);
      if (Date.now() > deadline) throw new Error(`guidance CRF: barrier timed out after ${this.timeoutMs} ms`);
    }
    if (Atomics.load(c, 2) !== 0) throw new Error('guidance CRF: another thread failed');
  }

  /** Marks the run failed and wakes every waiting party (they throw). */
  fail(): void {
    Atomics.store(this.ctrl, 2, 1);
    Atomics.add(this.ctrl, 1, 1);
    Atomics.notify(this.ctrl, 1);
  }

  /** Clears the state; only while no party is waiting. */
  reset(): void {
    this.ctrl.fill(0);
  }
}
