import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batch, BatchLoader, collate } from '../../src/data/loader';
import { trainTransform } from '../../src/data/transforms';
import { Dataset, Sample } from '../../src/data/types';
import { Rng } from '../../src/util/rng';

const rng = new Rng(Date.now() >>> 0);

/** An in-memory data set of random samples of varied sizes; counts its reads. */
function memoryDataset(length: number, variedSizes = true): Dataset & { reads: number } {
  const samples: Sample[] = Array.from({ length }, (_, i) => {
    const height = variedSizes ? 5 + rng.int(8) : 5;
    const width = variedSizes ? 5 + rng.int(8) : 6;
    return {
      name: `s${i}`,
      height,
      width,
      image: Uint8Array.from({ length: height * width * 3 }, () => rng.int(256)),
      label: Uint8Array.from({ length: height * width }, () => rng.int(4)),
    };
  });
  const ds = {
    type: 'memory',
    split: 'train',
    classes: ['a', 'b', 'c', 'd'],
    palette: [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]] as Array<[number, number, number]>,
    length,
    reads: 0,
    async get(i: number) {
      ds.reads++;
      await new Promise((r) => setTimeout(r, rng.int(3)));
      return samples[i];
    },
  };
  return ds;
}

const transform = trainTransform({ cropSize: [6, 7], scaleRange: [0.5, 1.5], flip: true });

async function take(loader: BatchLoader, n: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let k = 0; k < n; k++) out.push(await loader.next());
  return out;
}

test('each epoch visits every sample once, in a seed-dependent order', async () => {
  const ds = memoryDataset(10, false);
  const loader = new BatchLoader(ds, { batchSize: 3, seed: 5 });
  const order = (await take(loader, 10)).flatMap((b) => b.indices); // 30 samples = 3 epochs
  for (let e = 0; e < 3; e++) assert.deepEqual([...order.slice(e * 10, e * 10 + 10)].sort((a, b) => a - b), [...Array(10).keys()]);
  assert.notDeepEqual(order.slice(0, 10), order.slice(10, 20), 'epochs are reshuffled');
  const other = (await take(new BatchLoader(ds, { batchSize: 3, seed: 6 }), 4)).flatMap((b) => b.indices);
  assert.notDeepEqual(other.slice(0, 10), order.slice(0, 10));
  const plain = (await take(new BatchLoader(ds, { batchSize: 4, shuffle: false }), 3)).flatMap((b) => b.indices);
  assert.deepEqual(plain, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
});

test('batches hold the transformed samples, stacked channels-last', async () => {
  const ds = memoryDataset(7);
  const [b] = await take(new BatchLoader(ds, { batchSize: 3, seed: 1, transform }), 1);
  assert.deepEqual([b.batchSize, b.height, b.width, b.images.length, b.labels.length], [3, 6, 7, 3 * 6 * 7 * 3, 3 * 6 * 7]);
  assert.deepEqual(b.names, b.indices.map((i) => `s${i}`));
  for (let k = 0; k < 3; k++) {
    const labels = new Set(b.labels.subarray(k * 42, (k + 1) * 42));
    for (const v of labels) assert.ok(v < 4 || v === 255);
  }
});

test('resuming from a saved state gives exactly the same batches (mid-epoch, with transform and prefetch)', async () => {
  const ds = memoryDataset(9);
  const options = { batchSize: 4, seed: rng.int(1000), transform };
  const straight = await take(new BatchLoader(ds, options), 12);
  for (const cut of [1, 2, 5, 7]) {
    const first = new BatchLoader(ds, options);
    await take(first, cut);
    const state = JSON.parse(JSON.stringify(first.getState()));
    const resumed = await take(BatchLoader.fromState(ds, options, state), 12 - cut);
    resumed.forEach((b, k) => assert.deepEqual(b, straight[cut + k], `batch ${cut + k} after resuming at ${cut}`));
  }
  const noPrefetch = await take(new BatchLoader(ds, { ...options, prefetch: false }), 12);
  assert.deepEqual(noPrefetch, straight, 'prefetching does not change the batches');
});

test('prefetch reads the next batch ahead; read errors surface on the batch that needs them', async () => {
  const ds = memoryDataset(6, false);
  const loader = new BatchLoader(ds, { batchSize: 2, seed: 0 });
  await loader.next();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(ds.reads, 4, 'the second batch was read in the background');
  const failing: Dataset = { ...ds, get: async (i) => { if (i === 3) throw new Error('boom reading s3'); return ds.get(i); } };
  const l2 = new BatchLoader(failing, { batchSize: 1, shuffle: false });
  await take(l2, 3);
  await assert.rejects(l2.next(), /boom reading s3/);
});

test('collate refuses samples of different sizes, naming them', () => {
  const a: Sample = { name: 'a', height: 2, width: 3, image: new Uint8Array(18), label: new Uint8Array(6) };
  const b: Sample = { name: 'b', height: 3, width: 2, image: new Uint8Array(18), label: new Uint8Array(6) };
  assert.throws(() => collate([a, b]), /b \(2x3\).*a \(3x2\)/);
});
