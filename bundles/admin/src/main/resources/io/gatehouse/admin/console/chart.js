// A live time-series chart over uPlot (vendor/uplot, from its webjar): a bounded window of points, one series
// per name; series that appear later (a new status class, a new plugin result) are added as they come.
import uPlot from './vendor/uplot/uPlot.esm.js';

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const WINDOW = 90;

export class LiveChart {
  /**
   * @param {HTMLElement} parent where the chart goes
   * @param {string} id the element id of the chart (tests find it by that)
   * @param {string} title shown above the plot
   * @param {string} unit of the y axis
   */
  constructor(parent, id, title, unit) {
    this.element = document.createElement('div');
    this.element.id = id;
    this.element.className = 'chart';
    this.element.dataset.points = '0';
    parent.append(this.element);
    this.title = title;
    this.unit = unit;
    this.names = [];
    this.data = [[]];
    this.plot = null;
  }

  /** Adds one point: `values` maps series names to numbers (a missing name is a gap). */
  push(time, values) {
    const names = Object.keys(values).filter((n) => !this.names.includes(n));
    if (names.length) {
      this.names.push(...names);
      for (let i = 0; i < names.length; i++) {
        this.data.push(this.data[0].map(() => null));
      }
      this.rebuild();
    }
    this.data[0].push(time);
    this.names.forEach((n, i) => this.data[i + 1].push(values[n] ?? null));
    if (this.data[0].length > WINDOW) {
      this.data.forEach((series) => series.shift());
    }
    this.element.dataset.points = String(this.data[0].length);
    this.element.dataset.last = JSON.stringify(values);
    if (this.plot) {
      this.plot.setData(this.data);
    }
  }

  rebuild() {
    if (this.plot) {
      this.plot.destroy();
    }
    const unit = this.unit;
    this.plot = new uPlot({
      title: this.title,
      width: Math.max(300, (this.element.clientWidth || 560) - 16),
      height: 220,
      series: [{}, ...this.names.map((name, i) => ({ label: name, stroke: COLOURS[i % COLOURS.length], width: 2,
        value: (u, v) => (v === null || v === undefined ? '–' : `${v.toFixed(2)} ${unit}`) }))],
      axes: [{}, { label: unit, size: 60 }],
      scales: { x: { time: true } },
    }, this.data, this.element);
  }

  destroy() {
    if (this.plot) {
      this.plot.destroy();
    }
  }
}
