/**
 * The report of `guideseg data check`: a terminal summary, and a folder with
 * data_check.md, data_check.json and the pictures (pixel frequency and
 * presence per class, the co-occurrence heat map).
 */
import * as path from 'node:path';
import type { BadSample } from '../data/check';
import { conditionalCooccurrence, type DataStats } from '../data/stats';
import type { Rgb } from '../data/palette';
import { writeFileAtomic } from '../util/atomic_write';
import { classBarsChart, heatmapChart } from './charts';
import { chartMarkdown, writeChart } from './render';

/** A checked split: what was listed, what was read, what was wrong. */
export interface DataCheck {
  type: string;
  split: string;
  root: string;
  /** Pairs listed by the split. */
  listed: number;
  stats: DataStats;
  bad: Array<BadSample & { name?: string }>;
  palette: ReadonlyArray<Rgb>;
}

const pct = (x: number, digits = 2) => (Number.isFinite(x) ? (100 * x).toFixed(digits) : '-');

/** Per-class rows: pixels, % of labelled pixels, images with the class, % of images. */
function classRows(s: DataStats): Array<{ name: string; pixels: number; share: number; images: number; presence: number }> {
  const labelled = s.classPixels.reduce((a, b) => a + b, 0);
  return s.classes.map((name, c) => ({
    name,
    pixels: s.classPixels[c],
    share: labelled ? s.classPixels[c] / labelled : NaN,
    images: s.presence[c],
    presence: s.images ? s.presence[c] / s.images : NaN,
  }));
}

/** The most frequent pairs of distinct classes seen together, as "a + b: n images". */
function topPairs(s: DataStats, count: number): string[] {
  const n = s.classes.length;
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (s.cooccurrence[i * n + j] > 0) pairs.push([i, j, s.cooccurrence[i * n + j]]);
  return pairs
    .sort((a, b) => b[2] - a[2])
    .slice(0, count)
    .map(([i, j, k]) => `${s.classes[i]} + ${s.classes[j]}: ${k} images (${pct(k / s.images, 1)} %)`);
}

/** The terminal summary. */
export function formatDataCheck(c: DataCheck): string {
  const s = c.stats;
  const labelled = s.classPixels.reduce((a, b) => a + b, 0);
  const lines = [
    `${c.type}/${c.split} (${c.root}): ${c.listed} pairs listed, ${s.images} read, ${c.bad.length} bad`,
    `image sizes (HxW): ${s.sizes.map((z) => `${z.height}x${z.width} (${z.count})`).join(', ') || 'none'}`,
    `labelled pixels: ${labelled.toLocaleString('en-US')}; ignore: ${s.ignorePixels.toLocaleString('en-US')} (${pct(s.ignorePixels / (labelled + s.ignorePixels))} %)`,
    '',
    `${'class'.padEnd(22)} ${'pixels %'.padStart(9)} ${'images'.padStart(7)} ${'images %'.padStart(9)}`,
    ...classRows(s).map((r) => `${r.name.slice(0, 22).padEnd(22)} ${pct(r.share).padStart(9)} ${String(r.images).padStart(7)} ${pct(r.presence, 1).padStart(9)}`),
    '',
    'classes most often in one image together:',
    ...topPairs(s, 10).map((p) => `  ${p}`),
  ];
  if (c.bad.length) {
    lines.push('', `bad pairs (${c.bad.length}):`, ...c.bad.map((b) => `  sample ${b.index}${b.name ? ` (${b.name})` : ''}: ${b.message}`));
  }
  return lines.join('\n');
}

/** Writes the report folder; returns the Markdown file's path. */
export async function writeDataCheckReport(dir: string, c: DataCheck): Promise<string> {
  const s = c.stats;
  const rows = classRows(s);
  const title = `${c.type}/${c.split}`;
  const pixels = await writeChart(dir, 'class_pixels', classBarsChart({
    title: `${title}: share of labelled pixels per class`,
    classes: s.classes,
    series: [{ name: 'pixels %', values: rows.map((r) => (r.pixels > 0 ? 100 * r.share : NaN)) }],
    axis: 'labelled pixels %',
    palette: c.palette,
    decimals: 2,
  }));
  const presence = await writeChart(dir, 'class_presence', classBarsChart({
    title: `${title}: images in which each class appears`,
    classes: s.classes,
    series: [{ name: 'images %', values: rows.map((r) => 100 * r.presence) }],
    axis: 'images %',
    palette: c.palette,
  }));
  const cooc = await writeChart(dir, 'cooccurrence', heatmapChart({
    title: `${title}: P(column class in the image | row class in it), %`,
    values: conditionalCooccurrence(s),
    classes: s.classes,
    rowAxis: 'class present',
    columnAxis: 'also present',
  }));
  const md = [
    `# Data check: ${title}`,
    '',
    `Folder: \`${c.root}\`. ${c.listed} pairs listed, ${s.images} read, **${c.bad.length} bad**.`,
    '',
    `Image sizes (H×W): ${s.sizes.map((z) => `${z.height}×${z.width} (${z.count})`).join(', ') || 'none'}.`,
    '',
    '| id | class | pixels | pixels % | images | images % |',
    '|---:|---|---:|---:|---:|---:|',
    ...rows.map((r, id) => `| ${id} | ${r.name} | ${r.pixels} | ${pct(r.share)} | ${r.images} | ${pct(r.presence, 1)} |`),
    '',
    chartMarkdown('Pixel share per class', pixels),
    chartMarkdown('Presence per class', presence),
    '## Co-occurrence',
    '',
    `Row i, column j: the share of the images holding class i that also hold class j. This is the statistic the content-sensitive compatibility builds on (docs/method.md §2).${s.classes.length > 30 ? ' Classes are drawn by id (table above).' : ''}`,
    '',
    chartMarkdown('Class co-occurrence', cooc),
    ...(c.bad.length ? ['## Bad pairs', '', ...c.bad.map((b) => `- sample ${b.index}${b.name ? ` (${b.name})` : ''}: ${b.message.replace(/\n/g, ' ')}`), ''] : []),
  ].join('\n');
  const file = path.join(dir, 'data_check.md');
  await writeFileAtomic(path.join(dir, 'data_check.json'), JSON.stringify({ type: c.type, split: c.split, root: c.root, listed: c.listed, stats: s, bad: c.bad }, null, 1) + '\n');
  await writeFileAtomic(file, md);
  return file;
}
