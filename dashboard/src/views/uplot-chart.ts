// One chart card: a title, a note, and a uPlot time series that follows the card's width and is
// rebuilt only when its series change (new data alone is a setData).
import 'uplot/dist/uPlot.min.css';
import uPlot, { type AlignedData, type Options } from 'uplot';
import { h } from '../ui/element';

/** Plot height (CSS px). */
const CHART_HEIGHT = 220;

/** A series as the charts draw it: always a text label and a CSS colour (together, the plot's key). */
export type ChartSeries = uPlot.Series & { label: string; stroke: string };

export class UplotChart {
  readonly el: HTMLElement;
  readonly note = h('span', { class: 'muted small' });
  private readonly plotHost = h('div', { class: 'plot' });
  private plot: uPlot | null = null;
  private seriesKey = '';
  private readonly resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: CHART_HEIGHT }));

  constructor(testid: string, title: string) {
    this.el = h('div', { class: 'card chart', 'data-testid': testid }, h('div', { class: 'card-head' }, h('h2', null, title), this.note), this.plotHost);
    this.resize.observe(this.plotHost);
  }

  private width(): number {
    return Math.max(300, this.plotHost.clientWidth);
  }

  /** Draws `data`; the plot is rebuilt only when the series change. */
  draw(series: ChartSeries[], data: AlignedData, yValue: (v: number) => string): void {
    const key = series.map((s) => `${s.label}:${s.stroke}`).join('|');
    if (this.plot !== null && key === this.seriesKey) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.seriesKey = key;
    const opts: Options = {
      width: this.width(),
      height: CHART_HEIGHT,
      // Points on every bucket clutter a dense chart; the legend shows values under the cursor.
      series: [{}, ...series.map((s) => ({ points: { show: false }, ...s }))],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: '#5b6672', grid: { stroke: '#eef0f3' } },
        { stroke: '#5b6672', grid: { stroke: '#eef0f3' }, size: 64, values: (_u, vals) => vals.map((v) => yValue(v)) },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    this.plot = new uPlot(opts, data, this.plotHost);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
  }
}
