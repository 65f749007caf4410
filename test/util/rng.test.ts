import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mixSeed, Rng } from '../../src/util/rng';

test('mixSeed: deterministic 32-bit seeds that change with every input and its order', () => {
  assert.equal(mixSeed(1, 2, 3), mixSeed(1, 2, 3));
  const seeds = new Set<number>();
  for (let a = 0; a < 20; a++) for (let b = 0; b < 20; b++) seeds.add(mixSeed(a, b));
  assert.equal(seeds.size, 400, 'no two (a, b) pairs share a seed');
  assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
  for (const s of seeds) assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
});

test('Rng: a saved state replays the same numbers; seeds give different streams', () => {
  const a = new Rng(mixSeed(7, 0));
  a.uniform(0, 1);
  const b = Rng.fromState(a.getState());
  const fromA = Array.from({ length: 5 }, () => a.uniform(0, 1));
  assert.deepEqual(Array.from({ length: 5 }, () => b.uniform(0, 1)), fromA);
  const c = new Rng(mixSeed(7, 1));
  assert.notDeepEqual(Array.from({ length: 5 }, () => c.uniform(0, 1)), fromA);
});
