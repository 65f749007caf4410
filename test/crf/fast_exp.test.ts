import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expNonPositive } from '../../src/crf/fast_exp';
import { Rng } from '../../src/util/rng';

test('expNonPositive matches Math.exp to 1e-8 relative on x <= 0', () => {
  const rng = new Rng(Date.now() >>> 0);
  for (let i = 0; i < 20000; i++) {
    const x = i < 10000 ? -rng.next() * 5 : -rng.next() * 700;
    const ref = Math.exp(x);
    assert.ok(Math.abs(expNonPositive(x) / ref - 1) < 1e-8, `x = ${x}`);
  }
  assert.equal(expNonPositive(0), 1);
  assert.ok(expNonPositive(-1e6) >= 0 && expNonPositive(-1e6) < 1e-300);
});
