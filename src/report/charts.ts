/**
 * The pictures of the reports, as chart specifications built from plain
 * numbers (no files, no tfjs): training curves, a normalized heat map
 * (confusion, class co-occurrence), per-class bars (IoU, pixel frequency) and
 * grouped bars (ablation rows per class). render.ts turns them into files.
 */
import type { EChartsOption } from 'echarts';
import type { ChartSpec } from './render';

/** Height of one category row of a horizontal bar chart, px. */
const ROW = 22;
const TITLE = { left: 'center', top: 6, textStyle: { fontSize: 15 } } as const;

function hex([r, g, b]: readonly [number, number, number]): string {
  return '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** A point of a training curve. */
export interface CurvePoint {
  iteration: number;
  value: number;
}

/** What {@link trainingCurvesChart} draws. */
export interface TrainingCurves {
  /** Loss terms by name (`loss`, `ce`, `cls`), one point per logged step. */
  losses: Record<string, CurvePoint[]>;
  lr: CurvePoint[];
  /** Validation mIoU in % where the run evaluated. */
  valMIoU: CurvePoint[];
  title: string;
}

/** Loss terms (top), learning rate (middle) and validation mIoU (bottom) against iterations, on one x range. */
export function trainingCurvesChart(c: TrainingCurves): ChartSpec {
  const maxIteration = Math.max(1, ...Object.values(c.losses).flatMap((p) => p.map((q) => q.iteration)), ...c.lr.map((p) => p.iteration), ...c.valMIoU.map((p) => p.iteration));
  const panels = c.valMIoU.length ? 3 : 2;
  const top = [60, 340, 500];
  const height = [240, 110, 170];
  const grid = Array.from({ length: panels }, (_, i) => ({ left: 80, right: 40, top: top[i], height: height[i] }));
  const xAxis = grid.map((_, i) => ({
    type: 'value' as const,
    gridIndex: i,
    min: 0,
    max: maxIteration,
    name: i === panels - 1 ? 'iteration' : '',
    nameLocation: 'middle' as const,
    nameGap: 26,
  }));
  const yAxis = [
    { type: 'value' as const, gridIndex: 0, name: 'loss', nameLocation: 'middle' as const, nameGap: 55, scale: true },
    { type: 'value' as const, gridIndex: 1, name: 'learning rate', nameLocation: 'middle' as const, nameGap: 55, axisLabel: { formatter: (v: number) => (v === 0 ? '0' : v.toExponential(1)) } },
    ...(panels === 3 ? [{ type: 'value' as const, gridIndex: 2, name: 'val mIoU %', nameLocation: 'middle' as const, nameGap: 55, scale: true }] : []),
  ];
  const line = (name: string, points: CurvePoint[], axis: number, extra: object = {}) => ({
    name,
    type: 'line' as const,
    xAxisIndex: axis,
    yAxisIndex: axis,
    showSymbol: false,
    lineStyle: { width: 1.2 },
    data: points.map((p) => [p.iteration, p.value]),
    ...extra,
  });
  const series = [
    ...Object.entries(c.losses).map(([name, points]) => line(name, points, 0)),
    line('lr', c.lr, 1, { lineStyle: { width: 1.5, color: '#666' }, itemStyle: { color: '#666' } }),
    ...(panels === 3 ? [line('val mIoU', c.valMIoU, 2, { showSymbol: true, symbolSize: 6, lineStyle: { width: 2, color: '#c23531' }, itemStyle: { color: '#c23531' } })] : []),
  ];
  const option: EChartsOption = {
    title: { text: c.title, ...TITLE },
    legend: { top: 32, itemGap: 40, data: series.map((s) => s.name) },
    grid,
    xAxis,
    yAxis,
    series,
  };
  return { option, width: 900, height: panels === 3 ? 720 : 510 };
}

/** What {@link heatmapChart} draws: a square matrix in [0, 1] over named classes. */
export interface Heatmap {
  title: string;
  /** Row-major n×n values in [0, 1] (NaN = no data, drawn empty). */
  values: ArrayLike<number>;
  classes: readonly string[];
  rowAxis: string;
  columnAxis: string;
}

/**
 * A heat map with class names on both axes (row 0 at the top), cell values in
 * % written in the cells while they stay readable (up to 30 classes).
 */
export function heatmapChart(h: Heatmap): ChartSpec {
  const n = h.classes.length;
  if (h.values.length !== n * n) throw new Error(`heatmapChart: ${h.values.length} values for ${n} classes`);
  const cell = n <= 12 ? 44 : n <= 30 ? 26 : Math.max(5, Math.floor(900 / n));
  const showLabels = n <= 30;
  const longest = Math.max(...h.classes.map((c) => c.length));
  const margin = showLabels ? Math.min(200, 20 + 7 * longest) : 30;
  // Rotated column labels take about sin(50°) of their length.
  const columnGap = showLabels ? Math.min(170, 24 + Math.ceil(5.5 * longest)) : 30;
  const data: Array<[number, number, number | '-']> = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = h.values[r * n + c];
      data.push([c, r, Number.isFinite(v) ? Math.round(1000 * v) / 10 : '-']);
    }
  }
  const categories = showLabels ? [...h.classes] : h.classes.map((_, i) => String(i));
  const option: EChartsOption = {
    title: { text: h.title, ...TITLE },
    grid: { left: margin + 30, top: 50, width: n * cell, height: n * cell },
    xAxis: {
      type: 'category',
      data: categories,
      position: 'bottom',
      name: h.columnAxis,
      nameLocation: 'middle',
      nameGap: columnGap,
      axisLabel: { rotate: 50, interval: showLabels ? 0 : 'auto', fontSize: 11 },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      data: categories,
      inverse: true,
      name: h.rowAxis,
      nameLocation: 'middle',
      nameGap: margin,
      axisLabel: { interval: showLabels ? 0 : 'auto', fontSize: 11 },
    },
    visualMap: {
      min: 0,
      max: 100,
      calculable: false,
      orient: 'vertical',
      right: 20,
      top: 50,
      itemHeight: Math.max(80, Math.min(300, n * cell - 40)),
      text: ['100 %', '0 %'],
      inRange: { color: ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'] },
    },
    series: [
      {
        type: 'heatmap',
        data,
        label: { show: showLabels && cell >= 26, fontSize: cell >= 40 ? 11 : 8, formatter: (p: { value?: unknown }) => { const v = (p.value as number[])[2]; return typeof v === 'number' && v >= 0.5 ? v.toFixed(0) : ''; } },
        itemStyle: { borderColor: '#fff', borderWidth: n <= 30 ? 1 : 0 },
      },
    ],
  };
  return { option, width: margin + 30 + n * cell + 110, height: 50 + n * cell + columnGap + 30 };
}

/** One named series of per-class values. */
export interface ClassSeries {
  name: string;
  /** One value per class (NaN = undefined, drawn as no bar). */
  values: ArrayLike<number>;
}

/** What {@link classBarsChart} draws. */
export interface ClassBars {
  title: string;
  classes: readonly string[];
  /** One series = plain bars; several = grouped bars (e.g. ablation rows). */
  series: ClassSeries[];
  /** Axis name, e.g. `IoU %`. */
  axis: string;
  /** Class colours, used when there is a single series. */
  palette?: ReadonlyArray<readonly [number, number, number]>;
  /** Decimals of the value labels. */
  decimals?: number;
}

/** Horizontal bars, one row per class (names readable at any count), values at the bar ends. */
export function classBarsChart(b: ClassBars): ChartSpec {
  const n = b.classes.length;
  const groups = b.series.length;
  const rowHeight = groups === 1 ? ROW : Math.max(ROW, 8 + 9 * groups);
  const longest = Math.max(...b.classes.map((c) => c.length));
  const left = Math.min(220, 20 + 7 * longest);
  const decimals = b.decimals ?? 1;
  const single = groups === 1;
  const legendWidth = 60 + 8.5 * Math.max(...b.series.map((s) => s.name.length));
  const option: EChartsOption = {
    title: { text: b.title, ...TITLE },
    // A column right of the bars, anchored on its left: ECharts measures text narrower than it renders.
    legend: single ? undefined : { orient: 'vertical', left: left + 620, top: 45, data: b.series.map((s) => s.name) },
    grid: { left, width: 550, top: 45, bottom: 50 },
    xAxis: { type: 'value', name: b.axis, nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'category', data: [...b.classes], inverse: true, axisLabel: { interval: 0, fontSize: 11 } },
    series: b.series.map((s) => ({
      name: s.name,
      type: 'bar' as const,
      barGap: '10%',
      data: Array.from(s.values, (v, i) => ({
        value: Number.isFinite(v) ? v : null,
        ...(single && b.palette ? { itemStyle: { color: hex(b.palette[i]), borderColor: '#555', borderWidth: 0.5 } } : {}),
      })),
      label: { show: true, position: 'right', fontSize: groups > 3 ? 8 : 10, formatter: (p: { value?: unknown }) => (typeof p.value === 'number' ? p.value.toFixed(decimals) : '') },
    })),
  };
  return { option, width: left + 620 + (single ? 0 : legendWidth), height: 95 + Math.max(n * rowHeight, single ? 0 : 24 * groups) };
}
