// Caches random labelled pixels of every candidate map (scales 2, 1.5, 1 x flip) of a model on a CamVid split,
// with each image's global scores, for combine_study.js. Run after `npm run build`:
//   node scripts/study/dump_candidates.js MODEL_DIR SPLIT STEP PIXELS OUT.bin   (every STEP-th image, PIXELS per image)
const path = require('path'); const fs = require('fs');
const D = path.resolve(__dirname, '../../dist/src');
const { startBackend } = require(D + '/cli/common');
const { loadCheckpoint } = require(D + '/model/serialization');
const { buildDataset } = require(D + '/data/registry');
const { candidateMaps } = require(D + '/ensemble/infer');
const { Rng } = require(D + '/util/rng');
(async () => {
  const [model_, split, step, px, out] = process.argv.slice(2);
  await startBackend('wasm');
  const { model } = await loadCheckpoint(path.resolve(model_));
  const ds = buildDataset({ type: 'camvid', root: path.resolve(__dirname, '../../../shared/datasets/camvid') }, split);
  const rng = new Rng(1);
  const idx = []; for (let i = 0; i < ds.length; i += +step) idx.push(i);
  const chunks = []; const t0 = Date.now();
  for (const i of idx) {
    const s = await ds.get(i);
    const m = candidateMaps(model, s.image, s.height, s.width, { scales: [2, 1.5, 1], flip: true });
    const n = s.height * s.width, N = m.candidates.length, L = m.numClasses;
    const lab = []; for (let p = 0; p < n; p++) if (s.label[p] !== 255) lab.push(p);
    const k = Math.min(+px, lab.length);
    for (let j = 0; j < k; j++) { const r = j + rng.int(lab.length - j); [lab[j], lab[r]] = [lab[r], lab[j]]; }
    const sc = new Float32Array(k * N * L); const lb = new Uint8Array(k);
    for (let j = 0; j < k; j++) { const p = lab[j]; lb[j] = s.label[p]; for (let c = 0; c < N; c++) sc.set(m.unaries.subarray((c * n + p) * L, (c * n + p + 1) * L), (j * N + c) * L); }
    const g = m.globals ? m.globals : new Float32Array(N * L);
    const hdr = new Int32Array([i, k, N, L]);
    chunks.push(Buffer.from(hdr.buffer), Buffer.from(g.buffer, g.byteOffset, g.byteLength), Buffer.from(lb.buffer), Buffer.from(sc.buffer));
    process.stderr.write(`${idx.indexOf(i) + 1}/${idx.length} ${((Date.now() - t0) / 1000).toFixed(0)}s\n`);
  }
  fs.writeFileSync(out, Buffer.concat(chunks));
  model.dispose();
})();
