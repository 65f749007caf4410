// Learned-combination study on cached candidate pixels (from dump_candidates.js): how the fit set and a
// per-class bias change val mIoU (no CRF). Usage: node scripts/study/combine_study.js DIR NAME
// reads DIR/NAME_val.bin (all val images) and DIR/NAME_train.bin (if present).
const path = require('path'); const fs = require('fs');
const D = path.resolve(__dirname, '../../dist/src');
const { learnCombineWeights } = require(D + '/ensemble/learn_combine');
function load(file) {
  const b = fs.readFileSync(file); const imgs = []; let o = 0;
  while (o < b.length) {
    const h = new Int32Array(b.buffer.slice(b.byteOffset + o, b.byteOffset + o + 16)); o += 16;
    const [i, k, N, L] = h;
    const g = new Float32Array(b.buffer.slice(b.byteOffset + o, b.byteOffset + o + N * L * 4)); o += N * L * 4;
    const lb = new Uint8Array(b.buffer.slice(b.byteOffset + o, b.byteOffset + o + k)); o += k;
    const sc = new Float32Array(b.buffer.slice(b.byteOffset + o, b.byteOffset + o + k * N * L * 4)); o += k * N * L * 4;
    imgs.push({ i, k, N, L, g, lb, sc });
  }
  return imgs;
}
// extra: 'none' | 'g' (mean g as extra candidate; subtracting it lets the fit reweight g) | 'bias' | 'dg' (D and g as separate candidates)
function build(imgs, px, extra) {
  const N0 = imgs[0].N, L = imgs[0].L; const E = extra === 'none' ? 0 : extra === 'gb' ? 2 : 1; const N = N0 + E;
  let P = 0; for (const im of imgs) P += Math.min(px, im.k);
  const scores = new Float32Array(P * N * L); const labels = new Uint8Array(P); let p = 0;
  for (const im of imgs) {
    const mg = new Float32Array(L); for (let c = 0; c < N0; c++) for (let l = 0; l < L; l++) mg[l] += im.g[c * L + l] / N0;
    const k = Math.min(px, im.k);
    for (let j = 0; j < k; j++, p++) {
      labels[p] = im.lb[j];
      scores.set(im.sc.subarray(j * N0 * L, (j + 1) * N0 * L), p * N * L);
      const o = p * N * L + N0 * L;
      if (extra === 'g') scores.set(mg, o);
      if (extra === 'bias') scores.fill(1, o, o + L);
      if (extra === 'gb') { scores.set(mg, o); scores.fill(1, o + L, o + 2 * L); }
    }
  }
  return { count: N, numClasses: L, scores, labels };
}
function miou(set, w) {
  const { count: N, numClasses: L, scores, labels } = set; const conf = new Float64Array(L * L); const s = new Float64Array(L);
  for (let p = 0; p < labels.length; p++) { s.fill(0); for (let c = 0; c < N; c++) for (let l = 0; l < L; l++) s[l] += w[c * L + l] * scores[(p * N + c) * L + l];
    let b = 0; for (let l = 1; l < L; l++) if (s[l] > s[b]) b = l; conf[labels[p] * L + b]++; }
  const iou = []; for (let c = 0; c < L; c++) { let r = 0, q = 0; for (let l = 0; l < L; l++) { r += conf[c * L + l]; q += conf[l * L + c]; } iou.push(conf[c * L + c] / (r + q - conf[c * L + c])); }
  return { m: 100 * iou.reduce((a, b) => a + b) / L, iou };
}
function init(N0, L, E) { const w = new Float32Array((N0 + E) * L); w.fill(1 / N0, 0, N0 * L); return w; }
function fit(set, N0, E) { return learnCombineWeights(set, { init: init(N0, set.numClasses, E), iterations: 100 }).weights; }
function evalOn(imgs, extra, w) { return miou(build(imgs, 1e9, extra), w); }

const dir = path.resolve(process.argv[2]);
for (const m of [process.argv[3]]) {
  const val = load(path.join(dir, `${m}_val.bin`)); const tr = fs.existsSync(path.join(dir, `${m}_train.bin`)) ? load(path.join(dir, `${m}_train.bin`)) : null;
  const N0 = val[0].N, L = val[0].L; const r = (x) => x.m.toFixed(2);
  const extras = val[0].g.some((v) => v !== 0) ? ['none', 'g', 'bias', 'gb'] : ['none', 'bias'];
  for (const extra of extras) {
    const E = extra === 'none' ? 0 : extra === 'gb' ? 2 : 1;
    const avg = evalOn(val, 'none', init(N0, L, 0));
    const w20 = fit(build(val.slice(0, 20), 4096, extra), N0, E);
    const wAll = fit(build(val, 4096, extra), N0, E);
    // 2-fold: first half / second half (val is ordered by sequence)
    const A = val.slice(0, 50), B = val.slice(50);
    const wA = fit(build(A, 4096, extra), N0, E), wB = fit(build(B, 4096, extra), N0, E);
    // pooled confusion of cross-fit = approximate by averaging IoU? compute conf properly:
    const cross = pooled([[build(B, 1e9, extra), wA], [build(A, 1e9, extra), wB]], L);
    let trainRes = 'n/a';
    if (tr) { const wT = fit(build(tr, 4096, extra), N0, E); trainRes = r(evalOn(val, extra, wT)); }
    console.log(`${m} extra=${extra}: avg ${r(avg)} | fit val20 → val101 ${r(evalOn(val, extra, w20))}, → val21-100 ${r(evalOn(val.slice(20), extra, w20))} | fit val101 → val101 ${r(evalOn(val, extra, wAll))} | 2-fold halves ${cross.toFixed(2)} | fit train → val ${trainRes}`);
  }
}
function pooled(pairs, L) {
  const conf = new Float64Array(L * L);
  for (const [set, w] of pairs) { const { count: N, scores, labels } = set; const s = new Float64Array(L);
    for (let p = 0; p < labels.length; p++) { s.fill(0); for (let c = 0; c < N; c++) for (let l = 0; l < L; l++) s[l] += w[c * L + l] * scores[(p * N + c) * L + l];
      let b = 0; for (let l = 1; l < L; l++) if (s[l] > s[b]) b = l; conf[labels[p] * L + b]++; } }
  let t = 0; for (let c = 0; c < L; c++) { let r = 0, q = 0; for (let l = 0; l < L; l++) { r += conf[c * L + l]; q += conf[l * L + c]; } t += conf[c * L + c] / (r + q - conf[c * L + c]); }
  return 100 * t / L;
}
