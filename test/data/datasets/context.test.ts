import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset } from '../../../src/data/registry';
import {
  CONTEXT_AMBIGUOUS_CLASSES,
  CONTEXT_CLASSES,
  CONTEXT_SCENES,
  contextSampleSeed,
  renderContextScene,
} from '../../../src/data/datasets/context';
import { Rng } from '../../../src/util/rng';

const rng = new Rng(Date.now() >>> 0);
const base = { type: 'context', trainSplit: 'train', valSplit: 'val' };
const options = { height: 64, width: 64, noise: 10 };

test('same seed gives the same bytes; another seed, split or index gives different ones', async () => {
  const seed = rng.int(1000);
  const context = { seed, trainSize: 6, valSize: 3, height: 64, width: 64, noise: 10 };
  const a = buildDataset({ ...base, context }, 'train');
  const b = buildDataset({ ...base, context }, 'train');
  const c = buildDataset({ ...base, context: { ...context, seed: seed + 1 } }, 'train');
  const v = buildDataset({ ...base, context }, 'val');
  assert.deepEqual([a.length, v.length], [6, 3]);
  assert.equal(a.classes.length, CONTEXT_CLASSES.length);
  for (let i = 0; i < 3; i++) {
    const [sa, sb, sc, sv] = await Promise.all([a.get(i), b.get(i), c.get(i), v.get(i)]);
    assert.deepEqual(sa, sb);
    assert.ok(!Buffer.from(sa.image).equals(Buffer.from(sc.image)), 'other seed differs');
    assert.ok(!Buffer.from(sa.image).equals(Buffer.from(sv.image)), 'other split differs');
    assert.ok(!Buffer.from(sa.image).equals(Buffer.from((await a.get(i + 1)).image)), 'other index differs');
    assert.deepEqual([sa.height, sa.width, sa.image.length, sa.label.length], [64, 64, 64 * 64 * 3, 64 * 64]);
  }
  await assert.rejects(a.get(6), /index 6/);
  assert.throws(() => buildDataset({ ...base, context }, 'test'), /train.*val/);
});

test('changing only the scene type leaves every ambiguous-region pixel identical; only the label differs', () => {
  for (let k = 0; k < 20; k++) {
    const seed = rng.nextUint32();
    const renders = CONTEXT_SCENES.map((_, scene) => renderContextScene(seed, { ...options, scene }).sample);
    const band = renders[0].label.map((v) => (v === CONTEXT_SCENES[0].region ? 1 : 0));
    assert.ok(band.some((v) => v === 1), 'the band exists');
    renders.forEach((r, scene) => {
      for (let p = 0; p < band.length; p++) {
        assert.equal(r.label[p] === CONTEXT_SCENES[scene].region, band[p] === 1, `band shape, scene ${scene}`);
        if (!band[p]) continue;
        for (let c = 0; c < 3; c++) assert.equal(r.image[3 * p + c], renders[0].image[3 * p + c], `band pixel ${p}`);
      }
    });
  }
});

test('ambiguous classes have the same colour distribution across scene types (drawn scenes)', () => {
  // Unit of the comparison: one image (brightness and stripes vary per image, so pixels are not independent).
  const perImage = new Map<number, number[][]>(CONTEXT_AMBIGUOUS_CLASSES.map((c) => [c, []]));
  const seed = rng.int(1 << 20);
  for (let i = 0; i < 450; i++) {
    const { sample } = renderContextScene(contextSampleSeed(seed, 'train', i), options);
    const cls = CONTEXT_AMBIGUOUS_CLASSES.find((c) => sample.label.includes(c))!;
    let n = 0;
    const sum = [0, 0, 0];
    const sq = [0, 0, 0];
    sample.label.forEach((v, p) => {
      if (v !== cls) return;
      n++;
      for (let c = 0; c < 3; c++) {
        sum[c] += sample.image[3 * p + c];
        sq[c] += sample.image[3 * p + c] ** 2;
      }
    });
    const means = sum.map((s) => s / n);
    const stds = sq.map((q, c) => Math.sqrt(q / n - means[c] ** 2));
    perImage.get(cls)!.push([n, ...means, ...stds]);
  }
  const groups = [...perImage.values()];
  for (const g of groups) assert.ok(g.length > 100, 'every scene type drawn often');
  const names = ['band size', 'mean R', 'mean G', 'mean B', 'std R', 'std G', 'std B'];
  const moments = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return { m, v: xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1), n: xs.length };
  };
  for (let f = 0; f < names.length; f++) {
    const [a, ...others] = groups.map((g) => moments(g.map((row) => row[f])));
    for (const b of others) {
      // Two-sample z statistic; 4.5 standard errors: a false alarm is a ~1e-5 event.
      const z = Math.abs(a.m - b.m) / Math.sqrt(a.v / a.n + b.v / b.n);
      assert.ok(z < 4.5, `${names[f]}: ${a.m.toFixed(2)} vs ${b.m.toFixed(2)} (z = ${z.toFixed(2)})`);
    }
  }
});

test('scene groups co-occur, markers lie far from the band, every class appears', () => {
  const seen = new Set<number>();
  const scenes = [0, 0, 0];
  for (let i = 0; i < 60; i++) {
    const { sample, scene } = renderContextScene(contextSampleSeed(7, 'val', i), options);
    scenes[scene]++;
    const { region, marker } = CONTEXT_SCENES[scene];
    const present = new Set(sample.label);
    present.forEach((v) => seen.add(v));
    assert.ok(present.has(region) && present.has(marker), 'the scene group is present');
    for (const other of CONTEXT_SCENES) {
      if (other !== CONTEXT_SCENES[scene]) assert.ok(!present.has(other.region) && !present.has(other.marker), 'no other group');
    }
    const band: Array<[number, number]> = [];
    const marks: Array<[number, number]> = [];
    sample.label.forEach((v, p) => {
      if (v === region) band.push([Math.floor(p / 64), p % 64]);
      if (v === marker) marks.push([Math.floor(p / 64), p % 64]);
    });
    let nearest = Infinity;
    for (const [y, x] of marks) for (const [by, bx] of band) nearest = Math.min(nearest, Math.hypot(y - by, x - bx));
    assert.ok(nearest >= 0.22 * 64 - 1, `marker ${nearest.toFixed(1)} px from the band`);
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), CONTEXT_CLASSES.map((_, i) => i));
  for (const n of scenes) assert.ok(n > 5, `scene counts ${scenes}`);
});
