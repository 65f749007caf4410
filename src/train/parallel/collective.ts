/**
 * Collective operations among worker threads over shared memory: every
 * worker writes its rows of a table into a shared buffer, waits on a
 * barrier, and reads the whole table. Values travel as float64, and every
 * worker reduces the table in the same order, so all get bit-identical
 * results (the property that keeps the model copies in step).
 */
import { createBarrierControl, SharedBarrier } from '../../util/shared_barrier';

/** The shared memory of a collective group (post it to every worker). */
export interface CollectiveBuffers {
  /** Barrier control block. */
  ctrl: Int32Array;
  /** Two exchange tables of `capacity` float64 values each (used in turn). */
  exchange: Float64Array;
  /** Values per exchange table. */
  capacity: number;
}

/** Allocates the shared memory of a group exchanging at most `capacity` values per operation. */
export function createCollectiveBuffers(capacity: number): CollectiveBuffers {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`collective capacity must be a positive integer, got ${capacity}`);
  return { ctrl: createBarrierControl(), exchange: new Float64Array(new SharedArrayBuffer(16 * capacity)), capacity };
}

/** One worker's handle on a collective group. */
export class Collective {
  readonly barrier: SharedBarrier;
  private turn = 0;

  /**
   * @param buffers shared memory from {@link createCollectiveBuffers}
   * @param rank this worker's index, 0..parties-1
   * @param parties number of workers in the group
   */
  constructor(
    private readonly buffers: CollectiveBuffers,
    readonly rank: number,
    readonly parties: number,
  ) {
    if (!Number.isInteger(rank) || rank < 0 || rank >= parties) throw new Error(`collective rank ${rank} outside 0..${parties - 1}`);
    this.barrier = new SharedBarrier(buffers.ctrl, parties, { what: 'data-parallel training' });
  }

  /**
   * All-gather of table rows: this worker contributes rows
   * `rowOffset .. rowOffset + rows - 1` (`local`, row-major, `cols` values
   * each) of a `totalRows` × `cols` table whose rows are split among the
   * workers; returns the whole table (a shared view: read it before this worker's next call).
   */
  allGatherRows(local: ArrayLike<number>, rowOffset: number, totalRows: number, cols: number): Float64Array {
    const size = totalRows * cols;
    if (size > this.buffers.capacity) {
      throw new Error(`collective: ${totalRows}×${cols} table exceeds the shared capacity of ${this.buffers.capacity} values`);
    }
    if (local.length % cols !== 0 || rowOffset * cols + local.length > size) {
      throw new Error(`collective: rows ${rowOffset}.. (${local.length / cols}) do not fit a table of ${totalRows} rows`);
    }
    // Alternating tables: a worker can only write table t again after every
    // worker passed the next barrier, i.e. finished reading table t.
    const table = this.buffers.exchange.subarray(this.turn * this.buffers.capacity, this.turn * this.buffers.capacity + size);
    this.turn ^= 1;
    table.set(local, rowOffset * cols);
    this.barrier.wait();
    return table;
  }

  /** Element-wise sum of `local` over the workers (every worker gets the same float64 sums). */
  allReduceSum(local: ArrayLike<number>): Float64Array {
    const n = local.length;
    const table = this.allGatherRows(local, this.rank, this.parties, n);
    const out = new Float64Array(n);
    for (let r = 0; r < this.parties; r++) {
      const base = r * n;
      for (let i = 0; i < n; i++) out[i] += table[base + i];
    }
    return out;
  }
}
