import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionalCooccurrence, DataStatsAccumulator } from '../../src/data/stats';
import type { Sample } from '../../src/data/types';
import { Rng } from '../../src/util/rng';

function randomSample(rng: Rng, name: string, classes: number, present: number[]): Sample {
  const height = 2 + rng.int(5);
  const width = 2 + rng.int(5);
  const label = Uint8Array.from({ length: height * width }, () => (rng.next() < 0.2 ? 255 : present[rng.int(present.length)]));
  return { name, height, width, image: new Uint8Array(height * width * 3), label };
}

test('data statistics equal a brute-force count: sizes, pixels, presence, co-occurrence', () => {
  const rng = new Rng(5);
  const L = 6;
  const classes = Array.from({ length: L }, (_, i) => `c${i}`);
  const samples = Array.from({ length: 30 }, (_, k) => {
    const present = Array.from({ length: L }, (_, c) => c).filter(() => rng.next() < 0.4);
    return randomSample(rng, `s${k}`, L, present.length ? present : [0]);
  });
  const acc = new DataStatsAccumulator(classes);
  // Any order gives the same result.
  for (const s of [...samples].reverse()) acc.add(s);
  const stats = acc.result();
  const pixels = new Array(L).fill(0);
  let ignore = 0;
  const presence = new Array(L).fill(0);
  const co = new Array(L * L).fill(0);
  const sizes = new Map<string, number>();
  for (const s of samples) {
    sizes.set(`${s.height}x${s.width}`, (sizes.get(`${s.height}x${s.width}`) ?? 0) + 1);
    const has = new Array(L).fill(false);
    for (const v of s.label) {
      if (v === 255) ignore++;
      else {
        pixels[v]++;
        has[v] = true;
      }
    }
    for (let i = 0; i < L; i++) {
      if (!has[i]) continue;
      presence[i]++;
      for (let j = 0; j < L; j++) if (has[j]) co[i * L + j]++;
    }
  }
  assert.equal(stats.images, 30);
  assert.deepEqual(stats.classPixels, pixels);
  assert.equal(stats.ignorePixels, ignore);
  assert.deepEqual(stats.presence, presence);
  assert.deepEqual(stats.cooccurrence, co);
  assert.deepEqual(new Map(stats.sizes.map((z) => [`${z.height}x${z.width}`, z.count])), sizes);
  for (let k = 1; k < stats.sizes.length; k++) assert.ok(stats.sizes[k - 1].count >= stats.sizes[k].count, 'sizes most frequent first');
  const cond = conditionalCooccurrence(stats);
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < L; j++) {
      if (presence[i] === 0) assert.ok(Number.isNaN(cond[i * L + j]));
      else assert.equal(cond[i * L + j], co[i * L + j] / presence[i]);
    }
  }
});

test('a label value that is neither a class nor ignore is an error naming the sample', () => {
  const acc = new DataStatsAccumulator(['a', 'b']);
  assert.throws(() => acc.add({ name: 'x7', height: 1, width: 2, image: new Uint8Array(6), label: Uint8Array.from([0, 2]) }), /x7: label value 2 at pixel 1/);
});
