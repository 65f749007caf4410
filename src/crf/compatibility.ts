/**
 * Content-sensitive label compatibility (docs/method.md §2):
 *   μ(l, l') = δ(l = l') + λ · (ĝ_l + ĝ_l'),   ĝ = log sigmoid(g)
 * where g are the global (classification) scores of the image. The CRF only
 * needs the vector ĝ ("log presence"); λ is a CRF setting.
 */

/**
 * Log presence used by the oracle for classes absent from the ground truth:
 * log sigmoid(−20) ≈ −20, i.e. a classifier 1 − 2e-9 sure the class is absent.
 * Present classes get 0 (= log 1, certainly present).
 */
export const ORACLE_ABSENT_LOG_PRESENCE = -20;

/** Numerically stable log(sigmoid(x)) = −softplus(−x). */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/** ĝ = log sigmoid(g) of the global branch's scores g (one per class). */
export function logPresenceFromGlobalScores(g: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.length);
  for (let l = 0; l < g.length; l++) {
    if (!Number.isFinite(g[l])) throw new Error(`logPresenceFromGlobalScores: score of class ${l} is ${g[l]}`);
    out[l] = logSigmoid(g[l]);
  }
  return out;
}

/**
 * Oracle ĝ from the classes present in the ground truth ("+ground truth label"
 * row): 0 for present classes, {@link ORACLE_ABSENT_LOG_PRESENCE} for absent ones.
 */
export function oracleLogPresence(present: readonly boolean[]): Float64Array {
  return Float64Array.from(present, (p) => (p ? 0 : ORACLE_ABSENT_LOG_PRESENCE));
}

/**
 * The dense L×L compatibility μ (row-major) for given ĝ and λ; `null` ĝ or λ = 0
 * gives the Potts identity. The CRF uses the rank-two form directly; this is for
 * inspection and reference computations.
 */
export function compatibilityMatrix(logPresence: ArrayLike<number> | null, lambda: number, L: number): Float64Array {
  if (logPresence !== null && logPresence.length !== L) {
    throw new Error(`compatibilityMatrix: ${logPresence.length} log-presence values for ${L} classes`);
  }
  const mu = new Float64Array(L * L);
  for (let l = 0; l < L; l++) {
    for (let m = 0; m < L; m++) {
      const pair = logPresence === null || lambda === 0 ? 0 : lambda * (logPresence[l] + logPresence[m]);
      mu[l * L + m] = (l === m ? 1 : 0) + pair;
    }
  }
  return mu;
}
