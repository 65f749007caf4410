import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import type { Dataset, Sample } from '../../src/data/types';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { tfjsRunner } from '../../src/ensemble/tfjs_runner';
import { collectFitData, fitSubsetText } from '../../src/tuning/fit_data';

/** A split of `n` tiny images named img0, img1, …, recording which ones were read. */
function tinySplit(n: number, read: number[]): Dataset {
  return {
    type: 'tiny',
    split: 'train',
    classes: ['a', 'b', 'c'],
    palette: [[0, 0, 0], [1, 1, 1], [2, 2, 2]],
    length: n,
    async get(i: number): Promise<Sample> {
      read.push(i);
      return { name: `img${i}`, height: 8, width: 8, image: new Uint8Array(8 * 8 * 3).fill(i * 20), label: new Uint8Array(64).fill(i % 3) };
    },
  };
}

test('collectFitData takes the first images, or every k-th one from the first, at most limit; the subset is named', async () => {
  await initBackend('cpu');
  const model = buildSegmentor(modelPreset('bench-vgg', { numClasses: 3, backbone: { width: 0.0625 }, denseHead: { channels: 4, dilation: 2 }, clsHead: { hidden: 4, poolSize: 2 } }), 1);
  try {
    const read: number[] = [];
    const opts = { scales: [1], flip: false, combinePixels: 4 };
    assert.deepEqual((await collectFitData(tfjsRunner(model), tinySplit(7, read), { ...opts, limit: 3 })).images, ['img0', 'img1', 'img2']);
    assert.deepEqual((await collectFitData(tfjsRunner(model), tinySplit(7, read), { ...opts, every: 3 })).images, ['img0', 'img3', 'img6']);
    assert.deepEqual((await collectFitData(tfjsRunner(model), tinySplit(7, read), { ...opts, every: 3, limit: 2 })).images, ['img0', 'img3']);
    assert.deepEqual(read, [0, 1, 2, 0, 3, 6, 0, 3], 'only the chosen images are read');
    await assert.rejects(collectFitData(tfjsRunner(model), tinySplit(7, read), { ...opts, every: 0 }), /every must be a positive integer/);
    assert.equal(fitSubsetText({ type: 'camvid', split: 'val' }, 20), 'camvid/val, first 20 images');
    assert.equal(fitSubsetText({ type: 'camvid', split: 'train' }, 123, 3), 'camvid/train, one image in 3 from the first (123 images)');
  } finally {
    model.dispose();
  }
});

test('collectFitData runs the network in tiles when a sliding window is given', async () => {
  await initBackend('cpu');
  const model = buildSegmentor(modelPreset('bench-vgg', { numClasses: 3, backbone: { width: 0.0625 }, denseHead: { channels: 4, dilation: 2 }, clsHead: { hidden: 4, poolSize: 2 } }), 1);
  try {
    const sizes: number[][] = [];
    const runner = tfjsRunner(model);
    const spy = { ...runner, candidateMaps: (img: Uint8Array, h: number, w: number, o: Parameters<typeof runner.candidateMaps>[3]) => (sizes.push([h, w]), runner.candidateMaps(img, h, w, o)) };
    const opts = { scales: [1], flip: false, combinePixels: 4, limit: 1 };
    await collectFitData(spy, tinySplit(1, []), opts);
    await collectFitData(spy, tinySplit(1, []), { ...opts, window: { height: 4, width: 6 } });
    assert.deepEqual(sizes, [[8, 8], [4, 6], [4, 6], [4, 6], [4, 6], [4, 6], [4, 6]]);
  } finally {
    model.dispose();
  }
});
