import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { classBarsChart, heatmapChart, trainingCurvesChart } from '../../src/report/charts';
import { chartMarkdown, renderChartSvg, writeChart } from '../../src/report/render';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-charts-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const classes = ['sky', 'building', 'sign/symbol', 'pedestrian'];

/** The text of an SVG document's <text> elements. */
function svgTexts(svg: string): string[] {
  return Array.from(svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g), (m) => m[1]);
}

test('a heat map names every class on both axes and writes each cell value in %', () => {
  const values = [0.9, 0.1, 0, 0, 0.05, 0.95, 0, 0, 0, 0, 0.5, 0.5, NaN, NaN, NaN, NaN];
  const svg = renderChartSvg(heatmapChart({ title: 'conf', values, classes, rowAxis: 'true', columnAxis: 'pred' }));
  const texts = svgTexts(svg);
  for (const c of classes) assert.equal(texts.filter((t) => t === c).length, 2, `${c} on both axes`);
  for (const v of ['90', '10', '5', '95', '50']) assert.ok(texts.includes(v), `cell ${v}`);
  assert.throws(() => heatmapChart({ title: 't', values: [1, 2, 3], classes, rowAxis: 'r', columnAxis: 'c' }), /3 values for 4 classes/);
});

test('class bars: one labelled bar per class, undefined values left out; grouped bars name their series', () => {
  const svg = renderChartSvg(classBarsChart({ title: 'IoU', classes, series: [{ name: 'IoU %', values: [93.91, 50.2, NaN, 11.4] }], axis: 'IoU %', palette: [[128, 128, 128], [128, 0, 0], [192, 128, 128], [64, 64, 0]] }));
  const texts = svgTexts(svg);
  for (const c of classes) assert.ok(texts.includes(c), c);
  for (const v of ['93.9', '50.2', '11.4']) assert.ok(texts.includes(v), `label ${v}`);
  assert.equal(texts.filter((t) => t === 'NaN').length, 0);
  assert.ok(svg.includes('#800000'), 'class colour used');
  const grouped = svgTexts(renderChartSvg(classBarsChart({ title: 'rows', classes, series: [{ name: 'baseline', values: [1, 2, 3, 4] }, { name: '+ clsNet', values: [2, 3, 4, 5] }], axis: 'IoU %' })));
  for (const s of ['baseline', '+ clsNet']) assert.ok(grouped.includes(s), `legend ${s}`);
});

test('training curves: loss, learning rate and validation panels share the iteration range', () => {
  const losses = { ce: [1, 2, 3].map((i) => ({ iteration: i, value: 1 / i })) };
  const lr = [1, 2, 3].map((i) => ({ iteration: i, value: 0.01 * (1 - i / 4) }));
  const withVal = trainingCurvesChart({ title: 'run', losses, lr, valMIoU: [{ iteration: 3, value: 40 }] });
  const without = trainingCurvesChart({ title: 'run', losses, lr, valMIoU: [] });
  assert.equal((withVal.option.grid as unknown[]).length, 3);
  assert.equal((without.option.grid as unknown[]).length, 2);
  const texts = svgTexts(renderChartSvg(withVal));
  for (const t of ['run', 'ce', 'lr', 'val mIoU', 'iteration', 'val mIoU %']) assert.ok(texts.includes(t), t);
});

test('writeChart writes the SVG and a PNG at twice its size, and the Markdown links both', async () => {
  const spec = classBarsChart({ title: 'px', classes, series: [{ name: 'p', values: [1, 2, 3, 4] }], axis: '%' });
  const files = await writeChart(tmp, 'bars', spec);
  assert.deepEqual(files, { svg: 'bars.svg', png: 'bars.png' });
  const meta = await sharp(path.join(tmp, 'bars.png')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 2 * spec.width, 2 * spec.height]);
  assert.ok(fs.readFileSync(path.join(tmp, 'bars.svg'), 'utf8').startsWith('<svg'));
  assert.equal(chartMarkdown('Bars', files), '![Bars](bars.png)\n\n[Bars (SVG)](bars.svg)\n');
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.tmp')), [], 'no temporary file left');
});
