import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abortBarrier, BarrierAbortedError, createBarrierControl, SharedBarrier } from '../../src/util/shared_barrier';

test('SharedBarrier opens at once for a single party, generation after generation', () => {
  const ctrl = createBarrierControl();
  const barrier = new SharedBarrier(ctrl, 1);
  for (let i = 0; i < 3; i++) barrier.wait();
  assert.deepEqual(Array.from(ctrl), [0, 3, 0]);
});

test('SharedBarrier times out, naming its user, when a party never arrives', () => {
  const barrier = new SharedBarrier(createBarrierControl(), 2, { what: 'test run', timeoutMs: 30 });
  assert.throws(() => barrier.wait(), /test run: barrier timed out after 30 ms/);
  assert.ok(barrier.waitedMs >= 30);
});

test('SharedBarrier throws BarrierAbortedError once aborted, and reset() clears it', () => {
  const ctrl = createBarrierControl();
  const barrier = new SharedBarrier(ctrl, 1, { what: 'test run' });
  abortBarrier(ctrl);
  assert.equal(barrier.aborted, true);
  assert.throws(() => barrier.wait(), BarrierAbortedError);
  assert.throws(() => barrier.wait(), /test run: another thread failed/);
  barrier.reset();
  assert.equal(barrier.aborted, false);
  barrier.wait();
});

test('SharedBarrier rejects a control block that is not shared memory', () => {
  assert.throws(() => new SharedBarrier(new Int32Array(3), 1), /shared Int32Array/);
});
