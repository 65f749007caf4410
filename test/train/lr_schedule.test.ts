import { test } from 'node:test';
import assert from 'node:assert/strict';
import { polyLearningRate } from '../../src/train/lr_schedule';

function close(a: number, b: number, tol = 1e-12): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

test('poly learning rate: base at 0, baseLr·(1 − t/T)^p in between, 0 at the end', () => {
  const [base, T, power] = [0.01, 1000, 0.9];
  assert.equal(polyLearningRate(base, 0, T, power), base);
  assert.ok(close(polyLearningRate(base, 500, T, power), base * Math.pow(0.5, 0.9)));
  assert.ok(close(polyLearningRate(base, 250, T, power), base * Math.pow(0.75, 0.9)));
  assert.equal(polyLearningRate(base, T, T, power), 0);
  // Past the end and before the start it is clamped, never negative or NaN.
  assert.equal(polyLearningRate(base, T + 10, T, power), 0);
  assert.equal(polyLearningRate(base, -5, T, power), base);
  // Power 0 is a constant rate, power 1 linear decay.
  assert.equal(polyLearningRate(base, 700, T, 0), base);
  assert.ok(close(polyLearningRate(base, 700, T, 1), base * 0.3));
});

test('poly learning rate decreases monotonically over a run', () => {
  let prev = Infinity;
  for (let i = 0; i <= 50; i++) {
    const lr = polyLearningRate(0.1, i, 50, 0.9);
    assert.ok(lr < prev || (lr === 0 && prev === 0), `iteration ${i}: ${lr} after ${prev}`);
    prev = lr;
  }
});
