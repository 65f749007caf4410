import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compatibilityMatrix, logPresenceFromGlobalScores, logSigmoid, oracleLogPresence, ORACLE_ABSENT_LOG_PRESENCE,
} from '../../src/crf/compatibility';
import { Rng } from '../../src/util/rng';

test('logSigmoid matches log(1/(1+e^-x)) and stays finite for large |x|', () => {
  const rng = new Rng(Date.now() >>> 0);
  for (let i = 0; i < 50; i++) {
    const x = rng.uniform(-30, 30);
    assert.ok(Math.abs(logSigmoid(x) - Math.log(1 / (1 + Math.exp(-x)))) < 1e-9);
  }
  assert.ok(Math.abs(logSigmoid(-1000) + 1000) < 1e-9);
  assert.ok(Math.abs(logSigmoid(1000)) < 1e-300);
});

test('compatibility matrix is δ + λ(ĝ_l + ĝ_m), symmetric; oracle marks absent classes', () => {
  const rng = new Rng(Date.now() >>> 0);
  const L = 5;
  const g = Array.from({ length: L }, () => rng.normal() * 3);
  const lp = logPresenceFromGlobalScores(g);
  const lambda = rng.uniform(0.1, 2);
  const mu = compatibilityMatrix(lp, lambda, L);
  for (let l = 0; l < L; l++) for (let m = 0; m < L; m++) {
    const ref = (l === m ? 1 : 0) + lambda * (Math.log(1 / (1 + Math.exp(-g[l]))) + Math.log(1 / (1 + Math.exp(-g[m]))));
    assert.ok(Math.abs(mu[l * L + m] - ref) < 1e-9);
    assert.equal(mu[l * L + m], mu[m * L + l]);
  }
  assert.deepEqual(Array.from(compatibilityMatrix(null, 1, 2)), [1, 0, 0, 1]);
  assert.deepEqual(Array.from(oracleLogPresence([true, false])), [0, ORACLE_ABSENT_LOG_PRESENCE]);
  assert.throws(() => logPresenceFromGlobalScores([NaN]), /class 0/);
});
