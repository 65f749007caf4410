/** Brute-force float64 references for the CRF tests (explicit windows and kernels). */
import { Rng } from '../../src/util/rng';

/** Window [lo, hi] of index i clipped to 0..n-1. */
function win(i: number, r: number, n: number): [number, number] {
  return [Math.max(0, i - r), Math.min(n - 1, i + r)];
}

/** Box mean by summing every window explicitly. */
export function bruteBox(src: ArrayLike<number>, H: number, W: number, C: number, r: number): Float64Array {
  const out = new Float64Array(H * W * C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [y0, y1] = win(y, r, H);
      const [x0, x1] = win(x, r, W);
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let v = y0; v <= y1; v++) for (let u = x0; u <= x1; u++) s += src[(v * W + u) * C + c];
        out[(y * W + x) * C + c] = s / ((y1 - y0 + 1) * (x1 - x0 + 1));
      }
    }
  }
  return out;
}

/** 3x3 inverse by Gauss-Jordan elimination (independent of the adjugate formula). */
function inverse3(m: number[][]): number[][] {
  const a = m.map((row, i) => [...row, ...[0, 1, 2].map((j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    const d = a[c][c];
    for (let j = 0; j < 6; j++) a[c][j] /= d;
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = a[r][c];
      for (let j = 0; j < 6; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((row) => row.slice(3));
}

/**
 * Explicit guided-filter kernel K (N×N, row-major), N = H·W:
 * K(i,j) = Σ_{k: i,j ∈ ω_k} 1/(|ω_i| |ω_k|) [1 + (I_i − μ_k)ᵀ (Σ_k + εI)⁻¹ (I_j − μ_k)],
 * with |ω| the in-image window sizes (equal to 1/|ω|² inside the image).
 */
export function explicitKernel(img: ArrayLike<number>, H: number, W: number, r: number, eps: number): Float64Array {
  const N = H * W;
  const K = new Float64Array(N * N);
  const inWin = (k: number, i: number) =>
    Math.abs(Math.floor(k / W) - Math.floor(i / W)) <= r && Math.abs((k % W) - (i % W)) <= r;
  const size = (k: number) => {
    const [y0, y1] = win(Math.floor(k / W), r, H);
    const [x0, x1] = win(k % W, r, W);
    return (y1 - y0 + 1) * (x1 - x0 + 1);
  };
  for (let k = 0; k < N; k++) {
    const members: number[] = [];
    for (let j = 0; j < N; j++) if (inWin(k, j)) members.push(j);
    const mu = [0, 0, 0];
    for (const j of members) for (let c = 0; c < 3; c++) mu[c] += img[3 * j + c] / members.length;
    const cov = [0, 1, 2].map((a) => [0, 1, 2].map((b) => {
      let s = 0;
      for (const j of members) s += (img[3 * j + a] - mu[a]) * (img[3 * j + b] - mu[b]);
      return s / members.length + (a === b ? eps : 0);
    }));
    const inv = inverse3(cov);
    const nk = size(k);
    for (const i of members) {
      const di = [0, 1, 2].map((c) => img[3 * i + c] - mu[c]);
      const v = [0, 1, 2].map((b) => di[0] * inv[0][b] + di[1] * inv[1][b] + di[2] * inv[2][b]);
      for (const j of members) {
        const q = 1 + v[0] * (img[3 * j] - mu[0]) + v[1] * (img[3 * j + 1] - mu[1]) + v[2] * (img[3 * j + 2] - mu[2]);
        K[i * N + j] += q / (size(i) * nk);
      }
    }
  }
  return K;
}

/** out[i, c] = Σ_j K(i,j) p[j, c] for HWC maps. */
export function applyKernel(K: Float64Array, p: ArrayLike<number>, N: number, C: number): Float64Array {
  const out = new Float64Array(N * C);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const k = K[i * N + j];
      for (let c = 0; c < C; c++) out[i * C + c] += k * p[j * C + c];
    }
  }
  return out;
}

/** Mean-field with the explicit kernel and a dense compatibility matrix μ (L×L); returns S. */
export function bruteMeanField(
  K: Float64Array, unary: ArrayLike<number>, N: number, L: number, mu: Float64Array, w: number, T: number,
): Float64Array {
  const softmax = (s: Float64Array) => {
    const q = new Float64Array(s.length);
    for (let i = 0; i < N; i++) {
      let m = -Infinity;
      for (let l = 0; l < L; l++) m = Math.max(m, s[i * L + l]);
      let z = 0;
      for (let l = 0; l < L; l++) z += Math.exp(s[i * L + l] - m);
      for (let l = 0; l < L; l++) q[i * L + l] = Math.exp(s[i * L + l] - m) / z;
    }
    return q;
  };
  let S = Float64Array.from(unary);
  let Q = softmax(S);
  for (let t = 0; t < T; t++) {
    const M = applyKernel(K, Q, N, L);
    S = new Float64Array(N * L);
    for (let i = 0; i < N; i++) {
      for (let l = 0; l < L; l++) {
        let msg = 0;
        for (let m = 0; m < L; m++) msg += mu[l * L + m] * M[i * L + m];
        S[i * L + l] = unary[i * L + l] + w * msg;
      }
    }
    Q = softmax(S);
  }
  return S;
}

/** Random RGB image with some structure (two regions plus noise) so windows differ. */
export function randomImage(rng: Rng, H: number, W: number, noise: number): Uint8Array {
  const img = new Uint8Array(H * W * 3);
  const base = [0, 1].map(() => [rng.int(256), rng.int(256), rng.int(256)]);
  const slope = rng.uniform(-1, 1);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const region = y - H / 2 > slope * (x - W / 2) ? 1 : 0;
      for (let c = 0; c < 3; c++) {
        const v = base[region][c] + noise * rng.normal();
        img[(y * W + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return img;
}

/** Largest |a − b| over max(1, max |b|) — relative to the reference's scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/**
 * Relative L2 tolerance of each CRF kernel's scores against a float64 reference:
 * `js` iterates in float64 (float32 storage of Q and S); `wasm` in float32 with
 * Q rounded to multiples of 1/S for exact integer window sums (measured 5e-6 to
 * 4e-5 on noisy random images, r = 1..16).
 */
export const KERNEL_TOLERANCE = { js: 1e-5, wasm: 1e-4 } as const;
