import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax, presentClasses, restrictToClasses } from '../../src/eval/metrics_oracle';
import { Rng } from '../../src/util/rng';

test('argmax matches a brute-force maximum on random scores', () => {
  const rng = new Rng(Date.now() >>> 0);
  const L = 2 + rng.int(20);
  const n = 300;
  const s = new Float32Array(n * L).map(() => rng.normal());
  const got = argmax(s, L);
  for (let i = 0; i < n; i++) {
    const row = Array.from(s.subarray(i * L, (i + 1) * L));
    assert.equal(got[i], row.indexOf(Math.max(...row)));
  }
});

test('restrictToClasses: argmax only returns present classes, best among them', () => {
  const rng = new Rng(Date.now() >>> 0);
  const L = 6;
  const n = 200;
  const s = new Float32Array(n * L).map(() => rng.normal());
  const orig = s.slice();
  const present = [true, false, true, false, false, true];
  restrictToClasses(s, L, present);
  const got = argmax(s, L);
  for (let i = 0; i < n; i++) {
    let best = -1, bestV = -Infinity;
    for (let l = 0; l < L; l++) if (present[l] && orig[i * L + l] > bestV) { bestV = orig[i * L + l]; best = l; }
    assert.equal(got[i], best);
  }
});

test('presentClasses skips ignore and rejects out-of-range ids', () => {
  assert.deepEqual(presentClasses(Uint8Array.from([2, 255, 0, 2]), 4), [true, false, true, false]);
  assert.throws(() => presentClasses(Uint8Array.from([4]), 4), /label value 4/);
});
