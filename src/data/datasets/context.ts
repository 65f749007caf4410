/**
 * `context`: a synthetic data set where global context decides the class of
 * whole regions, so a model that sees only local evidence cannot label them and
 * an image-level classifier (the global branch) can.
 *
 * Every image shows one of three scene types:
 *
 * | scene | ambiguous region class | marker class (shape, colour) |
 * |---|---|---|
 * | lake | 1 water | 4 boat (upward triangle, red) |
 * | sky  | 2 sky   | 5 kite (diamond, yellow) |
 * | room | 3 floor | 6 lamp (disc, magenta) |
 *
 * - The **ambiguous region** is a band along one random image side (28-38 % of
 *   the image deep, wavy edge). Its texture (steel blue, random oriented stripes,
 *   random brightness) is drawn by exactly the same code and random stream in all
 *   three scene types: only its label depends on the scene. Locally, water, sky
 *   and floor are indistinguishable.
 * - 1-3 **markers** of the scene's marker class lie in the far part of the image,
 *   starting 22 % of the image side beyond the band's deepest point. At 64×64
 *   (300 images measured): no band pixel is closer than 15 px to a marker, the
 *   median band pixel is 40 px away and 96 % are 24+ px away, so only content far
 *   away tells the band's class. The band covers ~34 % of the pixels, markers ~2 %.
 * - Classes co-occur in fixed groups: {water, boat}, {sky, kite}, {floor, lamp};
 *   0 clutter (blocky random background) and 7 rock (0-2 gray ellipses outside the
 *   band) appear in every scene type.
 * - Noise: per-pixel Gaussian noise (`noise`, default σ = 10), ±25 colour jitter
 *   per marker, random block colours in the clutter.
 *
 * The scene type, the layout (band, textures, marker places, rocks, clutter), the
 * marker colours and the pixel noise come from four independent streams seeded
 * from (seed, split, index): changing only the scene type leaves every band pixel
 * bit-identical, which is what the tests check. Generation takes about 1 ms per
 * 64×64 image.
 */
import { z } from 'zod';
import { mixSeed, Rng } from '../../util/rng';
import { Rgb } from '../palette';
import { Dataset, Sample } from '../types';
import { DATASETS, type DataConfig } from './dataset';

/** Options of the `context` data set (`data.context`). */
export const contextDataSchema = z
  .object({
    /** Seed of the generator; the same seed always gives the same images. */
    seed: z.number().int().default(0),
    trainSize: z.number().int().positive().default(200),
    valSize: z.number().int().positive().default(50),
    height: z.number().int().positive().default(64),
    width: z.number().int().positive().default(64),
    /** Standard deviation of the per-pixel Gaussian noise, on the 0..255 scale. */
    noise: z.number().nonnegative().default(10),
  })
  .strict();


export const CONTEXT_CLASSES: readonly string[] = ['clutter', 'water', 'sky', 'floor', 'boat', 'kite', 'lamp', 'rock'];

export const CONTEXT_PALETTE: ReadonlyArray<Rgb> = [
  [60, 60, 60], [30, 90, 200], [135, 206, 235], [150, 100, 50],
  [220, 30, 30], [250, 220, 0], [200, 0, 200], [150, 150, 150],
];

/** Scene types: which class the ambiguous band gets and which marker class shows it. */
export const CONTEXT_SCENES: ReadonlyArray<{ name: string; region: number; marker: number }> = [
  { name: 'lake', region: 1, marker: 4 },
  { name: 'sky', region: 2, marker: 5 },
  { name: 'room', region: 3, marker: 6 },
];

/** Classes that look identical locally (the band's possible classes). */
export const CONTEXT_AMBIGUOUS_CLASSES: readonly number[] = CONTEXT_SCENES.map((s) => s.region);

const ROCK = 7;
const MARKER_COLOURS: Rgb[] = [[200, 40, 40], [230, 200, 40], [190, 60, 190]];
const BAND_COLOUR: Rgb = [85, 135, 175];
const ROCK_COLOUR: Rgb = [125, 115, 105];
const BLOCK = 8;

/** Options of {@link renderContextScene}. */
export interface ContextRenderOptions {
  height: number;
  width: number;
  /** Standard deviation of the pixel noise (0..255 scale). */
  noise: number;
  /** Force this scene type (0..2) instead of drawing it; for tests and figures. */
  scene?: number;
}

/** The seed of sample `index` of `split` in the data set seeded `seed`. */
export function contextSampleSeed(seed: number, split: string, index: number): number {
  let splitCode = 0;
  for (let i = 0; i < split.length; i++) splitCode = Math.imul(splitCode, 31) + split.charCodeAt(i);
  return mixSeed(seed, splitCode, index);
}

/** Renders one image of the `context` data set; returns it with its scene type. */
export function renderContextScene(sampleSeed: number, options: ContextRenderOptions, name = 'context'): { sample: Sample; scene: number } {
  const { height: H, width: W } = options;
  const sceneRng = new Rng(mixSeed(sampleSeed, 1));
  const layout = new Rng(mixSeed(sampleSeed, 2));
  const markerRng = new Rng(mixSeed(sampleSeed, 3));
  const noiseRng = new Rng(mixSeed(sampleSeed, 4));
  const drawn = sceneRng.int(CONTEXT_SCENES.length);
  const scene = options.scene ?? drawn;
  if (!CONTEXT_SCENES[scene]) throw new Error(`context scene must be 0..${CONTEXT_SCENES.length - 1}, got ${scene}`);

  // Layout: every draw below is independent of the scene type.
  const side = layout.int(4); // 0 top, 1 bottom, 2 left, 3 right
  const vertical = side < 2;
  const depthSize = vertical ? H : W;
  const alongSize = vertical ? W : H;
  const fromVU = (v: number, u: number): [number, number] => {
    if (side === 0) return [v, u];
    if (side === 1) return [H - 1 - v, u];
    return side === 2 ? [u, v] : [u, W - 1 - v];
  };
  const bandDepth = Math.round(depthSize * layout.uniform(0.28, 0.38));
  const waveAmp = depthSize * layout.uniform(0, 0.05);
  const wavePeriod = alongSize * layout.uniform(0.3, 0.8);
  const wavePhase = layout.uniform(0, 2 * Math.PI);
  const stripeAmp = layout.uniform(8, 18);
  const stripeLength = layout.uniform(5, 10);
  const stripeAngle = layout.uniform(0, Math.PI);
  const stripePhase = layout.uniform(0, 2 * Math.PI);
  const bandShift = layout.uniform(-15, 15);
  const markerStart = Math.ceil(bandDepth + waveAmp + 0.22 * depthSize);
  const markers = Array.from({ length: 1 + layout.int(3) }, () => {
    const size = Math.max(3, Math.round(Math.min(H, W) * layout.uniform(0.11, 0.17)));
    const r = size / 2;
    const vLo = Math.min(markerStart + r, depthSize - 1 - r);
    const v = layout.uniform(vLo, depthSize - 1 - r);
    const u = layout.uniform(r, alongSize - 1 - r);
    const [cy, cx] = fromVU(v, u);
    return { cy, cx, r };
  });
  const rocks = Array.from({ length: layout.int(3) }, () => ({
    cy: layout.uniform(0, H),
    cx: layout.uniform(0, W),
    ry: Math.min(H, W) * layout.uniform(0.05, 0.09),
    rx: Math.min(H, W) * layout.uniform(0.05, 0.09),
    colour: [0, 1, 2].map((c) => ROCK_COLOUR[c] + layout.uniform(-12, 12)),
  }));
  const background = [0, 1, 2].map(() => layout.uniform(70, 150));
  const blocksX = Math.ceil(W / BLOCK);
  const blocks = Float32Array.from({ length: Math.ceil(H / BLOCK) * blocksX * 3 }, () => layout.uniform(-18, 18));

  const label = new Uint8Array(H * W);
  const colour = new Float32Array(H * W * 3);
  const { region, marker } = CONTEXT_SCENES[scene];
  const kx = Math.cos(stripeAngle) / stripeLength;
  const ky = Math.sin(stripeAngle) / stripeLength;
  // Band depth at each position along the side (wavy edge).
  const edge = Float64Array.from({ length: alongSize }, (_, u) => bandDepth + waveAmp * Math.sin((2 * Math.PI * u) / wavePeriod + wavePhase));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const v = side === 0 ? y : side === 1 ? H - 1 - y : side === 2 ? x : W - 1 - x;
      if (v < edge[vertical ? x : y]) {
        label[p] = region;
        const shade = bandShift + stripeAmp * Math.sin(2 * Math.PI * (x * kx + y * ky) + stripePhase);
        for (let c = 0; c < 3; c++) colour[p * 3 + c] = BAND_COLOUR[c] + shade;
        continue;
      }
      let rock: (typeof rocks)[number] | undefined;
      for (const k of rocks) if (((y + 0.5 - k.cy) / k.ry) ** 2 + ((x + 0.5 - k.cx) / k.rx) ** 2 <= 1) rock = rock ?? k;
      const b = (Math.floor(y / BLOCK) * blocksX + Math.floor(x / BLOCK)) * 3;
      label[p] = rock ? ROCK : 0;
      for (let c = 0; c < 3; c++) colour[p * 3 + c] = rock ? rock.colour[c] : background[c] + blocks[b + c];
    }
  }

  // Markers: the only scene-dependent pixels (shape and colour), drawn from their own stream.
  for (const m of markers) {
    const tint = [0, 1, 2].map((c) => MARKER_COLOURS[scene][c] + markerRng.uniform(-25, 25));
    for (let y = Math.max(0, Math.floor(m.cy - m.r)); y <= Math.min(H - 1, Math.ceil(m.cy + m.r)); y++) {
      for (let x = Math.max(0, Math.floor(m.cx - m.r)); x <= Math.min(W - 1, Math.ceil(m.cx + m.r)); x++) {
        if (!insideMarker(scene, (y + 0.5 - m.cy) / m.r, (x + 0.5 - m.cx) / m.r)) continue;
        const p = y * W + x;
        label[p] = marker;
        for (let c = 0; c < 3; c++) colour[p * 3 + c] = tint[c];
      }
    }
  }

  const image = new Uint8Array(H * W * 3);
  for (let i = 0; i < image.length; i++) {
    image[i] = Math.min(255, Math.max(0, Math.round(colour[i] + options.noise * noiseRng.normal())));
  }
  return { sample: { name, height: H, width: W, image, label }, scene };
}

/** Marker shapes in coordinates scaled to the marker's half-size (inside the unit square). */
function insideMarker(scene: number, dy: number, dx: number): boolean {
  if (Math.abs(dy) > 1 || Math.abs(dx) > 1) return false;
  if (scene === 0) return Math.abs(dx) <= (dy + 1) / 2; // triangle, apex up
  if (scene === 1) return Math.abs(dx) + Math.abs(dy) <= 1; // diamond
  return dx * dx + dy * dy <= 1; // disc
}

/** Opens split `train` or `val` of the synthetic `context` data set (`config.context`). */
export function createContext(config: DataConfig, split: string): Dataset {
  const settings = contextDataSchema.parse(config.context ?? {});
  const sizes: Record<string, number> = { train: settings.trainSize, val: settings.valSize };
  const length = sizes[split];
  if (length === undefined) {
    throw new Error(`the context data set has splits 'train' and 'val', not '${split}'`);
  }
  const options: ContextRenderOptions = { height: settings.height, width: settings.width, noise: settings.noise };
  return {
    type: 'context',
    split,
    classes: CONTEXT_CLASSES,
    palette: CONTEXT_PALETTE,
    length,
    async get(index: number): Promise<Sample> {
      if (!Number.isInteger(index) || index < 0 || index >= length) {
        throw new Error(`context/${split}: index ${index} outside 0..${length - 1}`);
      }
      const name = `context-${split}-${String(index).padStart(5, '0')}`;
      return renderContextScene(contextSampleSeed(settings.seed, split, index), options, name).sample;
    },
  };
}

DATASETS.register('context', { open: createContext, options: contextDataSchema });
