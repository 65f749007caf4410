/**
 * Charts to files: an ECharts option rendered on the server as SVG (no canvas,
 * no browser), then rasterized to PNG by sharp. Both files are written
 * atomically, side by side, so a Markdown report can link either.
 */
import * as path from 'node:path';
import * as echarts from 'echarts';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic_write';

/** One chart: an ECharts option and its size in CSS pixels. */
export interface ChartSpec {
  option: echarts.EChartsOption;
  width: number;
  height: number;
}

/** The chart as an SVG document (animation off, white background). */
export function renderChartSvg(spec: ChartSpec): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: spec.width, height: spec.height });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', textStyle: { fontFamily: 'DejaVu Sans, Liberation Sans, Arial, sans-serif' }, ...spec.option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Files written for one chart, as paths relative to the report's folder. */
export interface ChartFiles {
  svg: string;
  png: string;
}

/** Writes `<dir>/<name>.svg` and `<dir>/<name>.png` (PNG at 2× for sharp text); returns their names. */
export async function writeChart(dir: string, name: string, spec: ChartSpec): Promise<ChartFiles> {
  const svg = renderChartSvg(spec);
  const png = await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
  await writeFileAtomic(path.join(dir, `${name}.svg`), svg);
  await writeFileAtomic(path.join(dir, `${name}.png`), png);
  return { svg: `${name}.svg`, png: `${name}.png` };
}

/** A Markdown image link to a chart's PNG, with a link to its SVG. */
export function chartMarkdown(title: string, files: ChartFiles): string {
  return `![${title}](${files.png})\n\n[${title} (SVG)](${files.svg})\n`;
}
