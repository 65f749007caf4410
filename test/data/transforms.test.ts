import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  cropWindow,
  horizontalFlip,
  randomCrop,
  randomFlip,
  randomScale,
  resizeBilinear,
  resizeNearest,
  trainPipeline,
  trainTransform,
} from '../../src/data/transforms';
import { Sample } from '../../src/data/types';
import { Rng } from '../../src/util/rng';

const rng = new Rng(Date.now() >>> 0);

function randomSample(height: number, width: number, classes = 5): Sample {
  return {
    name: 's',
    height,
    width,
    image: Uint8Array.from({ length: height * width * 3 }, () => rng.int(256)),
    label: Uint8Array.from({ length: height * width }, () => (rng.next() < 0.1 ? 255 : rng.int(classes))),
  };
}

function valueSet(a: Uint8Array): Set<number> {
  return new Set(a);
}

function assertSubset(values: Uint8Array, allowed: Set<number>, what: string): void {
  for (const v of valueSet(values)) assert.ok(allowed.has(v), `${what}: new label value ${v}`);
}

/** Brute-force crop: pixel (y, x) of the window is sample pixel (y + top, x + left) or padding. */
function referenceCrop(s: Sample, top: number, left: number, h: number, w: number): { image: number[]; label: number[] } {
  const image: number[] = [];
  const label: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sy = y + top;
      const sx = x + left;
      const inside = sy >= 0 && sy < s.height && sx >= 0 && sx < s.width;
      for (let c = 0; c < 3; c++) image.push(inside ? s.image[(sy * s.width + sx) * 3 + c] : 0);
      label.push(inside ? s.label[sy * s.width + sx] : 255);
    }
  }
  return { image, label };
}

test('resizeBilinear matches tfjs (cpu, half-pixel centres) for floats and rounds for bytes', async () => {
  await tf.setBackend('cpu');
  for (const [h, w, c, oh, ow] of [[5, 7, 3, 11, 4], [9, 6, 2, 3, 13], [4, 4, 11, 4, 4], [1, 5, 1, 3, 2]]) {
    const src = Float32Array.from({ length: h * w * c }, () => rng.uniform(-10, 10));
    const ours = resizeBilinear(src, h, w, c, oh, ow);
    const ref = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(src, [1, h, w, c]), [oh, ow], false, true).dataSync());
    assert.equal(ours.length, ref.length);
    for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ours[i] - ref[i]) < 1e-4, `float ${h}x${w}->${oh}x${ow} at ${i}`);
    const bytes = Uint8Array.from({ length: h * w * c }, () => rng.int(256));
    const ours8 = resizeBilinear(bytes, h, w, c, oh, ow);
    const ref8 = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(Float32Array.from(bytes), [1, h, w, c]), [oh, ow], false, true).dataSync());
    for (let i = 0; i < ref8.length; i++) assert.ok(Math.abs(ours8[i] - ref8[i]) <= 0.5 + 1e-3, `uint8 at ${i}`);
  }
});

test('resizeNearest matches tfjs (cpu, half-pixel centres) and keeps label values', async () => {
  await tf.setBackend('cpu');
  for (const [h, w, oh, ow] of [[5, 7, 11, 4], [9, 6, 3, 13], [8, 8, 4, 4], [3, 3, 7, 7]]) {
    const labels = Uint8Array.from({ length: h * w }, () => rng.int(256));
    const ours = resizeNearest(labels, h, w, oh, ow);
    const ref = tf.tidy(() => tf.image.resizeNearestNeighbor(tf.tensor4d(Float32Array.from(labels), [1, h, w, 1]), [oh, ow], false, true).dataSync());
    assert.deepEqual(Array.from(ours), Array.from(ref));
  }
});

test('cropWindow equals a brute-force crop with padding, inside and outside the sample', () => {
  for (let k = 0; k < 30; k++) {
    const s = randomSample(1 + rng.int(9), 1 + rng.int(9));
    const h = 1 + rng.int(12);
    const w = 1 + rng.int(12);
    const top = rng.int(24) - 12;
    const left = rng.int(24) - 12;
    const out = cropWindow(s, top, left, h, w);
    const ref = referenceCrop(s, top, left, h, w);
    assert.deepEqual([out.height, out.width], [h, w]);
    assert.deepEqual(Array.from(out.image), ref.image);
    assert.deepEqual(Array.from(out.label), ref.label);
  }
});

test('randomCrop uses every allowed offset and no other (larger and smaller than the crop)', () => {
  for (const [sh, sw, ch, cw] of [[6, 9, 4, 4], [3, 2, 5, 4], [5, 3, 5, 6]]) {
    const s = randomSample(sh, sw, 250); // distinct-enough content to identify the offset
    const seen = new Set<string>();
    const r = new Rng(rng.nextUint32());
    for (let k = 0; k < 400; k++) {
      const out = randomCrop(s, r, ch, cw);
      const matches: string[] = [];
      for (let top = -ch; top <= sh; top++) {
        for (let left = -cw; left <= sw; left++) {
          const ref = referenceCrop(s, top, left, ch, cw);
          if (ref.label.every((v, i) => v === out.label[i]) && ref.image.every((v, i) => v === out.image[i])) {
            matches.push(`${top},${left}`);
          }
        }
      }
      assert.equal(matches.length, 1, 'the crop is a window of the sample');
      seen.add(matches[0]);
    }
    const expected = new Set<string>();
    const range = (size: number, crop: number) => {
      const out: number[] = [];
      for (let o = Math.min(0, size - crop); o <= Math.max(0, size - crop); o++) out.push(o);
      return out;
    };
    for (const top of range(sh, ch)) for (const left of range(sw, cw)) expected.add(`${top},${left}`);
    assert.deepEqual([...seen].sort(), [...expected].sort(), `offsets of ${sh}x${sw} -> ${ch}x${cw}`);
  }
});

test('horizontalFlip mirrors exactly; randomFlip flips about half the time', () => {
  const s = randomSample(4, 7);
  const f = horizontalFlip(s);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 7; x++) {
      assert.equal(f.label[y * 7 + x], s.label[y * 7 + 6 - x]);
      for (let c = 0; c < 3; c++) assert.equal(f.image[(y * 7 + x) * 3 + c], s.image[(y * 7 + 6 - x) * 3 + c]);
    }
  }
  assert.deepEqual(horizontalFlip(f), s);
  const r = new Rng(rng.nextUint32());
  let flips = 0;
  for (let k = 0; k < 400; k++) if (randomFlip(s, r) !== s) flips++;
  assert.ok(flips > 150 && flips < 250, `${flips} flips of 400`);
});

test('randomScale keeps label values and gives the rounded scaled size', () => {
  const r = new Rng(rng.nextUint32());
  for (let k = 0; k < 20; k++) {
    const s = randomSample(5 + rng.int(20), 5 + rng.int(20));
    const probe = Rng.fromState(r.getState());
    const factor = probe.uniform(0.5, 2);
    const out = randomScale(s, r, [0.5, 2]);
    assert.deepEqual([out.height, out.width], [Math.round(s.height * factor), Math.round(s.width * factor)]);
    assertSubset(out.label, valueSet(s.label), 'randomScale');
  }
});

test('trainPipeline: fixed output size, no new label values except 255, same draws per sample, deterministic', () => {
  const cfg = { cropSize: [12, 10] as [number, number], scaleRange: [0.5, 2] as [number, number], flip: true };
  for (let k = 0; k < 20; k++) {
    const s = randomSample(4 + rng.int(30), 4 + rng.int(30));
    const seed = rng.nextUint32();
    const a = new Rng(seed);
    const out = trainPipeline(cfg, a)(s);
    assert.deepEqual([out.height, out.width], [12, 10]);
    assertSubset(out.label, new Set([...valueSet(s.label), 255]), 'trainPipeline');
    const again = trainTransform(cfg)(s, new Rng(seed));
    assert.deepEqual(again, out);
    // A sample of another size consumes exactly the same count of numbers.
    const b = new Rng(seed);
    trainPipeline(cfg, b)(randomSample(3, 50));
    assert.deepEqual(a.getState(), b.getState());
  }
});
