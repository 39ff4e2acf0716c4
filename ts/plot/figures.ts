/**
 * The two figures of PyTorch's "classify two circles" tutorial, drawn as SVG,
 * and as PNG by rendering that SVG with resvg (`@resvg/resvg-js`):
 *
 * - `plt.scatter(X[:, 0], X[:, 1], c=y, cmap=plt.cm.RdYlBu)` → {@link scatterSvg}, {@link scatterPng};
 * - `plot_decision_boundary(model, X, y)` for train and test side by side
 *   (`contourf(xx, yy, y_pred, cmap=RdYlBu, alpha=0.7)` plus the points) →
 *   {@link decisionGrid} to get the grid to predict on, then
 *   {@link decisionBoundarySvg}, {@link decisionBoundaryPng}.
 *
 * The scene is laid out as matplotlib lays out a default figure at 100 dpi
 * (subplot margins, 10 pt tick labels, 12 pt titles, outward ticks,
 * MaxNLocator tick positions and ScalarFormatter labels). Text is set in
 * DejaVu Sans, matplotlib's font, from the `dejavu-fonts-ttf` package, so a
 * PNG looks the same on every machine, with or without system fonts.
 */
import { createRequire } from 'node:module';
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import { blendOver, rdYlBuNormalized, toHex, type Rgb } from './colormap';

type TextAnchor = 'start' | 'middle' | 'end';

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/** Points and their classes, as passed to `plt.scatter(X[:, 0], X[:, 1], c=y)`. */
export interface ScatterData {
  X: ArrayLike<ArrayLike<number>> | number[][];
  y: ArrayLike<number>;
}

/** One subplot of the decision-boundary figure. */
export interface BoundaryPanel {
  title: string;
  X: number[][];
  y: number[];
  grid: {
    xs: number[];
    ys: number[];
    /** Row-major `ys.length x xs.length` predicted class per grid point (row i is `ys[i]`). */
    labels: ArrayLike<number>;
  };
}

/** Size and title of the single-axes scatter figure; defaults to matplotlib's 640x480. */
export interface ScatterOptions {
  title?: string;
  width?: number;
  height?: number;
}

/** Size of the side-by-side figure; defaults to `figsize=(6 * panels, 6)` at 100 dpi. */
export interface BoundaryOptions {
  width?: number;
  height?: number;
}

// ---------------------------------------------------------------------------
// The grid to predict on
// ---------------------------------------------------------------------------

/** numpy's `linspace(start, stop, num)`: `arange(num) * step + start`, last element exactly `stop`. */
function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, k) => k * step + start);
  out[num - 1] = stop;
  return out;
}

/**
 * The tutorial's prediction grid: `xx, yy = np.meshgrid(np.linspace(x_min,
 * x_max, 101), np.linspace(y_min, y_max, 101))` with each range widened by
 * `margin`, flattened like `np.column_stack((xx.ravel(), yy.ravel()))`, i.e.
 * point `i * xs.length + j` is `(xs[j], ys[i])`.
 */
export function decisionGrid(
  X: number[][],
  resolution = 101,
  margin = 0.1,
): { xs: number[]; ys: number[]; points: Float32Array } {
  if (X.length === 0) throw new RangeError('decisionGrid: X has no points');
  if (!Number.isInteger(resolution) || resolution < 1) {
    throw new RangeError(`decisionGrid: resolution must be a positive integer, got ${resolution}`);
  }
  const [xMin, xMax] = extent(X, 0);
  const [yMin, yMax] = extent(X, 1);
  const xs = linspace(xMin - margin, xMax + margin, resolution);
  const ys = linspace(yMin - margin, yMax + margin, resolution);
  const points = new Float32Array(xs.length * ys.length * 2);
  for (let i = 0; i < ys.length; i++) {
    for (let j = 0; j < xs.length; j++) {
      points[(i * xs.length + j) * 2] = xs[j];
      points[(i * xs.length + j) * 2 + 1] = ys[i];
    }
  }
  return { xs, ys, points };
}

function extent(X: ArrayLike<ArrayLike<number>>, column: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < X.length; i++) {
    const v = Number(X[i][column]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

// ---------------------------------------------------------------------------
// matplotlib's tick placement and labelling
// ---------------------------------------------------------------------------

/** `AutoLocator` steps (axis ticks) and `MaxNLocator`'s default steps (contour levels). */
const AXIS_STEPS = [1, 2, 2.5, 5, 10];
const LEVEL_STEPS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** `mtransforms.nonsingular`: widen a zero-width interval so ticks can exist. */
function nonsingular(vmin: number, vmax: number, expander: number, tiny = 1e-15): [number, number] {
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax)) return [-expander, expander];
  if (vmax < vmin) [vmin, vmax] = [vmax, vmin];
  const maxAbs = Math.max(Math.abs(vmin), Math.abs(vmax));
  if (maxAbs < (1e6 / tiny) * Number.MIN_VALUE) return [-expander, expander];
  if (vmax - vmin <= maxAbs * tiny) {
    if (vmax === 0 && vmin === 0) return [-expander, expander];
    return [vmin - expander * Math.abs(vmin), vmax + expander * Math.abs(vmax)];
  }
  return [vmin, vmax];
}

/** Python's `divmod` for floats (floor division, remainder with the divisor's sign). */
function divmod(x: number, step: number): [number, number] {
  const d = Math.floor(x / step);
  return [d, x - d * step];
}

/**
 * `MaxNLocator(nbins, steps).tick_values(vmin, vmax)`: the smallest "nice"
 * step that spans the interval in at most `nbins` intervals, with at least two
 * ticks inside. May include one tick beyond each end, as matplotlib's does.
 */
function maxNLocatorTicks(vmin: number, vmax: number, nbins: number, steps: number[]): number[] {
  [vmin, vmax] = nonsingular(vmin, vmax, 1e-13, 1e-14);
  const dv = vmax - vmin;
  const meanv = (vmax + vmin) / 2;
  // scale_range(): offset only for intervals far from zero.
  const offset = Math.abs(meanv) / dv < 100 ? 0 : Math.sign(meanv) * 10 ** Math.floor(Math.log10(Math.abs(meanv)));
  const scale = 10 ** Math.floor(Math.log10(dv / nbins));
  const lo = vmin - offset;
  const hi = vmax - offset;
  // _staircase(): 0.1 * steps[:-1], steps, 10 * steps[1].
  const extended = [...steps.slice(0, -1).map((s) => 0.1 * s), ...steps, 10 * steps[1]].map((s) => s * scale);
  const rawStep = (hi - lo) / nbins;
  let istep = extended.findIndex((s) => s >= rawStep);
  if (istep < 0) istep = extended.length - 1;
  const tolerance = (step: number): number => {
    if (offset === 0) return 1e-10;
    const digits = Math.log10(Math.abs(offset) / step);
    return Math.min(0.4999, Math.max(1e-10, 10 ** (digits - 12)));
  };
  let ticks: number[] = [];
  for (let k = istep; k >= 0; k--) {
    const step = extended[k];
    const bestVmin = Math.floor(lo / step) * step;
    const tol = tolerance(step);
    // _Edge_integer.le / .ge: count steps to the edges, forgiving rounding.
    const [dl, ml] = divmod(lo - bestVmin, step);
    const low = Math.abs(ml / step - 1) < tol ? dl + 1 : dl;
    const [dh, mh] = divmod(hi - bestVmin, step);
    const high = Math.abs(mh / step) < tol ? dh : dh + 1;
    ticks = [];
    for (let n = low; n <= high; n++) ticks.push(n * step + bestVmin);
    const inside = ticks.filter((t) => t >= lo && t <= hi).length;
    if (inside >= 2) break;
  }
  return ticks.map((t) => t + offset);
}

/** numpy's `round(v, decimals)`: scale, round half to even, unscale. */
function roundHalfEven(v: number, decimals: number): number {
  const scaled = v * 10 ** decimals;
  const r = Math.round(scaled);
  const isTie = Math.abs(scaled - Math.trunc(scaled)) === 0.5;
  return (isTie && r % 2 !== 0 ? r - 1 : r) / 10 ** decimals;
}

/**
 * `ScalarFormatter` labels for linear ticks of moderate size: every label gets
 * the fewest decimals that still tell all ticks apart, and negatives use the
 * Unicode minus (U+2212). Offset/scientific notation is not reproduced.
 */
function formatTicks(ticks: number[]): string[] {
  if (ticks.length === 0) return [];
  let range = Math.max(...ticks) - Math.min(...ticks);
  if (range === 0) range = Math.max(...ticks.map(Math.abs));
  if (range === 0) range = 1;
  const oom = Math.floor(Math.log10(range));
  const threshold = 1e-3 * 10 ** oom;
  let sigfigs = Math.max(0, 3 - oom);
  while (sigfigs >= 0) {
    const worst = Math.max(...ticks.map((t) => Math.abs(t - roundHalfEven(t, sigfigs))));
    if (worst < threshold) sigfigs -= 1;
    else break;
  }
  sigfigs += 1;
  return ticks.map((t) => (Math.abs(t) < 1e-8 ? 0 : t).toFixed(sigfigs).replace('-', '\u2212'));
}

/**
 * `contourf`'s automatic levels for data in [zmin, zmax]:
 * `MaxNLocator(7 + 1).tick_values(zmin, zmax)` trimmed to one level beyond
 * each end. For classes {0, 1} this is 0, 0.15, ..., 1.05.
 */
function contourLevels(zmin: number, zmax: number): number[] {
  const lev = maxNLocatorTicks(zmin, zmax, 8, LEVEL_STEPS);
  const under = lev.map((v, i) => (v < zmin ? i : -1)).filter((i) => i >= 0);
  const over = lev.findIndex((v) => v > zmax);
  let i0 = under.length ? under[under.length - 1] : 0;
  let i1 = over >= 0 ? over + 1 : lev.length;
  if (i1 - i0 < 3) [i0, i1] = [0, lev.length];
  return lev.slice(i0, i1);
}

/**
 * The colour `contourf` fills a region of constant value `z` with: the band
 * `levels[k] < z <= levels[k + 1]` (the lowest band also takes z = levels[0]),
 * coloured at its midpoint under `Normalize(levels[0], levels[-1])`.
 */
function contourBandColor(z: number, levels: number[]): Rgb {
  let k = 0;
  while (k < levels.length - 2 && z > levels[k + 1]) k++;
  const mid = (levels[k] + levels[k + 1]) / 2;
  return rdYlBuNormalized(mid, levels[0], levels[levels.length - 1]);
}

// ---------------------------------------------------------------------------
// Scene: what both back ends draw
// ---------------------------------------------------------------------------

type Mark =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill: Rgb }
  | { kind: 'circle'; cx: number; cy: number; r: number; fill: Rgb }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number }
  | { kind: 'text'; x: number; y: number; text: string; size: number; anchor: TextAnchor };

/**
 * A layer of marks. Regions are axis-aligned tiles drawn with crisp edges;
 * points share one outline style; lines and text are the black axes furniture.
 */
interface Layer {
  role: 'region' | 'points' | 'axes' | 'title';
  marks: Mark[];
}

interface Scene {
  width: number;
  height: number;
  layers: Layer[];
}

/** matplotlib's defaults in pixels at 100 dpi (1 pt = 100/72 px). */
const PT = 100 / 72;
const TICK_LENGTH = Math.round(3.5 * PT);
const TICK_PAD = 3.5 * PT;
const TICK_FONT = 10 * PT;
const TITLE_FONT = 12 * PT;
const TITLE_PAD = 6 * PT;
/** DejaVu Sans cap height as a fraction of the font size, to place baselines. */
const CAP_HEIGHT = 0.729;
const SUBPLOT = { left: 0.125, right: 0.9, bottom: 0.11, top: 0.88, wspace: 0.2 };
/** Marker radii for the tutorial's `s=36` (default) and `s=40` scatter sizes. */
const SCATTER_RADIUS = (Math.sqrt(36) / 2) * PT;
const BOUNDARY_RADIUS = (Math.sqrt(40) / 2) * PT;
/** A thin dark outline so points stay visible over a region of their own colour. */
const POINT_EDGE: Rgb = [0.1, 0.1, 0.1];
const POINT_EDGE_WIDTH = 0.6;
const REGION_ALPHA = 0.7;
const INK: Rgb = [0, 0, 0];

/** An axes box in whole pixels: columns [left, right), rows [top, bottom). */
interface AxesBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface Limits {
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
}

function toPixels(box: AxesBox, lim: Limits): { px: (x: number) => number; py: (y: number) => number } {
  const sx = (box.right - box.left) / (lim.xmax - lim.xmin);
  const sy = (box.bottom - box.top) / (lim.ymax - lim.ymin);
  return { px: (x) => box.left + (x - lim.xmin) * sx, py: (y) => box.bottom - (y - lim.ymin) * sy };
}

/** `plt.subplot(1, n, i + 1)` boxes for a figure of the given size. */
function subplotBoxes(n: number, width: number, height: number): AxesBox[] {
  const total = (SUBPLOT.right - SUBPLOT.left) * width;
  const axesWidth = total / (n + SUBPLOT.wspace * (n - 1));
  const gap = axesWidth * SUBPLOT.wspace;
  return Array.from({ length: n }, (_, i) => {
    const left = SUBPLOT.left * width + i * (axesWidth + gap);
    return {
      left: Math.round(left),
      right: Math.round(left + axesWidth),
      top: Math.round((1 - SUBPLOT.top) * height),
      bottom: Math.round((1 - SUBPLOT.bottom) * height),
    };
  });
}

/** `Axis.get_tick_space()` then AutoLocator's clip to [1, 9] bins. */
function tickBins(lengthPx: number, labelSpacingFonts: number): number {
  const lengthPt = lengthPx / PT;
  return Math.min(9, Math.max(1, Math.floor(lengthPt / (10 * labelSpacingFonts))));
}

/** Ticks inside [lo, hi] (with matplotlib's closeness slack) and their labels. */
function visibleTicks(lo: number, hi: number, nbins: number): { value: number; label: string }[] {
  const ticks = maxNLocatorTicks(lo, hi, nbins, AXIS_STEPS);
  const labels = formatTicks(ticks);
  const slack = 1e-10 * (hi - lo);
  return ticks
    .map((value, i) => ({ value, label: labels[i] }))
    .filter(({ value }) => value >= lo - slack && value <= hi + slack);
}

/** Spines, outward ticks with labels, and the title, as matplotlib draws them. */
function axesLayers(box: AxesBox, lim: Limits, title: string | undefined): Layer[] {
  const { px, py } = toPixels(box, lim);
  // Snap 1-px strokes to pixel centres so the raster stays crisp.
  const snap = (v: number): number => Math.floor(v) + 0.5;
  const marks: Mark[] = [];
  const l = box.left + 0.5;
  const r = box.right - 0.5;
  const t = box.top + 0.5;
  const b = box.bottom - 0.5;
  marks.push(
    { kind: 'line', x1: l, y1: box.top, x2: l, y2: box.bottom },
    { kind: 'line', x1: r, y1: box.top, x2: r, y2: box.bottom },
    { kind: 'line', x1: box.left, y1: t, x2: box.right, y2: t },
    { kind: 'line', x1: box.left, y1: b, x2: box.right, y2: b },
  );
  const labelCap = CAP_HEIGHT * TICK_FONT;
  for (const { value, label } of visibleTicks(lim.xmin, lim.xmax, tickBins(box.right - box.left, 3))) {
    const x = Math.min(r, Math.max(l, snap(px(value))));
    marks.push({ kind: 'line', x1: x, y1: box.bottom, x2: x, y2: box.bottom + TICK_LENGTH });
    const baseline = box.bottom + TICK_LENGTH + TICK_PAD + labelCap;
    marks.push({ kind: 'text', x, y: baseline, text: label, size: TICK_FONT, anchor: 'middle' });
  }
  for (const { value, label } of visibleTicks(lim.ymin, lim.ymax, tickBins(box.bottom - box.top, 2))) {
    const y = Math.min(b, Math.max(t, snap(py(value))));
    marks.push({ kind: 'line', x1: box.left, y1: y, x2: box.left - TICK_LENGTH, y2: y });
    const right = box.left - TICK_LENGTH - TICK_PAD;
    marks.push({ kind: 'text', x: right, y: y + labelCap / 2, text: label, size: TICK_FONT, anchor: 'end' });
  }
  const layers: Layer[] = [{ role: 'axes', marks }];
  if (title) {
    layers.push({
      role: 'title',
      marks: [{ kind: 'text', x: (box.left + box.right) / 2, y: box.top - TITLE_PAD, text: title, size: TITLE_FONT, anchor: 'middle' }],
    });
  }
  return layers;
}

/** Read points and classes, checking their shapes. */
function readPoints(X: ArrayLike<ArrayLike<number>>, y: ArrayLike<number>, who: string): { xy: [number, number][]; c: number[] } {
  if (X.length !== y.length) throw new RangeError(`${who}: X has ${X.length} rows but y has ${y.length} labels`);
  const xy: [number, number][] = [];
  for (let i = 0; i < X.length; i++) {
    if (X[i].length < 2) throw new RangeError(`${who}: row ${i} of X has ${X[i].length} columns, need 2`);
    xy.push([Number(X[i][0]), Number(X[i][1])]);
  }
  return { xy, c: Array.from(y, Number) };
}

/** Points coloured like `scatter(c=y, cmap=RdYlBu)`: Normalize(min(y), max(y)). */
function pointMarks(xy: [number, number][], c: number[], box: AxesBox, lim: Limits, radius: number): Mark[] {
  const { px, py } = toPixels(box, lim);
  let vmin = Infinity;
  let vmax = -Infinity;
  for (const v of c) {
    if (v < vmin) vmin = v;
    if (v > vmax) vmax = v;
  }
  return xy.map(([x, y], i) => ({ kind: 'circle', cx: px(x), cy: py(y), r: radius, fill: rdYlBuNormalized(c[i], vmin, vmax) }));
}

/** Autoscaled limits: the data range plus matplotlib's 5% margins. */
function autoLimits(xy: [number, number][]): Limits {
  const [x0, x1] = nonsingular(...extent(xy, 0), 0.05);
  const [y0, y1] = nonsingular(...extent(xy, 1), 0.05);
  const mx = 0.05 * (x1 - x0);
  const my = 0.05 * (y1 - y0);
  return { xmin: x0 - mx, xmax: x1 + mx, ymin: y0 - my, ymax: y1 + my };
}

function scatterScene(data: ScatterData, opts: ScatterOptions): Scene {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const { xy, c } = readPoints(data.X, data.y, 'scatter');
  if (xy.length === 0) throw new RangeError('scatter: no points to plot');
  const [box] = subplotBoxes(1, width, height);
  const lim = autoLimits(xy);
  return {
    width,
    height,
    layers: [{ role: 'points', marks: pointMarks(xy, c, box, lim, SCATTER_RADIUS) }, ...axesLayers(box, lim, opts.title)],
  };
}

/**
 * The class regions as few rectangles as possible: one background tile in the
 * most common class, then each row's runs of other classes, with identical
 * runs in consecutive rows merged into one taller tile.
 *
 * Grid point (i, j) owns the cell between the midpoints to its neighbours,
 * clipped to the grid's extent, as contourf's fill spans exactly the grid.
 */
function regionMarks(grid: BoundaryPanel['grid'], box: AxesBox, lim: Limits): Mark[] {
  const { xs, ys } = grid;
  const nx = xs.length;
  const ny = ys.length;
  if (grid.labels.length !== nx * ny) {
    throw new RangeError(`decisionBoundary: grid.labels has ${grid.labels.length} entries, expected ${ny} x ${nx}`);
  }
  const labels = Array.from(grid.labels, Number);
  const { px, py } = toPixels(box, lim);
  const edges = (v: number[]): number[] => [v[0], ...v.slice(1).map((x, k) => (v[k] + x) / 2), v[v.length - 1]];
  const xEdges = edges(xs).map(px);
  const yEdges = edges(ys).map(py);

  let zmin = Infinity;
  let zmax = -Infinity;
  const counts = new Map<number, number>();
  for (const z of labels) {
    if (z < zmin) zmin = z;
    if (z > zmax) zmax = z;
    counts.set(z, (counts.get(z) ?? 0) + 1);
  }
  const levels = contourLevels(zmin, zmax);
  const colorOf = (z: number): Rgb => blendOver(contourBandColor(z, levels), REGION_ALPHA);
  let background = labels[0];
  for (const [z, n] of counts) if (n > counts.get(background)! || (n === counts.get(background) && z < background)) background = z;

  const tile = (j0: number, j1: number, i0: number, i1: number, z: number): Mark => ({
    kind: 'rect',
    x: xEdges[i0],
    y: yEdges[j1 + 1],
    w: xEdges[i1 + 1] - xEdges[i0],
    h: yEdges[j0] - yEdges[j1 + 1],
    fill: colorOf(z),
  });
  const marks: Mark[] = [tile(0, ny - 1, 0, nx - 1, background)];
  type Run = { i0: number; i1: number; z: number; j0: number; j1: number };
  let open = new Map<string, Run>();
  const closed: Run[] = [];
  for (let j = 0; j < ny; j++) {
    const next = new Map<string, Run>();
    for (let i = 0; i < nx; ) {
      const z = labels[j * nx + i];
      let end = i;
      while (end + 1 < nx && labels[j * nx + end + 1] === z) end++;
      if (z !== background) {
        const key = `${i}:${end}:${z}`;
        const run = open.get(key);
        if (run) {
          run.j1 = j;
          open.delete(key);
          next.set(key, run);
        } else {
          next.set(key, { i0: i, i1: end, z, j0: j, j1: j });
        }
      }
      i = end + 1;
    }
    closed.push(...open.values());
    open = next;
  }
  closed.push(...open.values());
  // Order by first row then column so the output never depends on map order.
  closed.sort((a, b) => a.j0 - b.j0 || a.i0 - b.i0);
  for (const run of closed) marks.push(tile(run.j0, run.j1, run.i0, run.i1, run.z));
  return marks;
}

function boundaryScene(panels: BoundaryPanel[], opts: BoundaryOptions): Scene {
  if (panels.length === 0) throw new RangeError('decisionBoundary: no panels to draw');
  const width = opts.width ?? 600 * panels.length;
  const height = opts.height ?? 600;
  const boxes = subplotBoxes(panels.length, width, height);
  const layers: Layer[] = [];
  panels.forEach((panel, k) => {
    const { xs, ys } = panel.grid;
    if (xs.length < 2 || ys.length < 2) throw new RangeError('decisionBoundary: grid needs at least 2 x 2 points');
    // plt.xlim(xx.min(), xx.max()); plt.ylim(yy.min(), yy.max())
    const lim: Limits = { xmin: xs[0], xmax: xs[xs.length - 1], ymin: ys[0], ymax: ys[ys.length - 1] };
    const { xy, c } = readPoints(panel.X, panel.y, 'decisionBoundary');
    layers.push(
      { role: 'region', marks: regionMarks(panel.grid, boxes[k], lim) },
      { role: 'points', marks: pointMarks(xy, c, boxes[k], lim, BOUNDARY_RADIUS) },
      ...axesLayers(boxes[k], lim, panel.title),
    );
  });
  return { width, height, layers };
}

// ---------------------------------------------------------------------------
// Back ends
// ---------------------------------------------------------------------------

/** Coordinates to 2 decimals keep SVGs small without visible change. */
function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function sceneToSvg(scene: Scene): string {
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}">`,
    `<rect width="${scene.width}" height="${scene.height}" fill="#ffffff"/>`,
  ];
  for (const layer of scene.layers) {
    const attrs: Record<Layer['role'], string> = {
      region: 'shape-rendering="crispEdges"',
      points: `stroke="${toHex(POINT_EDGE)}" stroke-width="${POINT_EDGE_WIDTH}"`,
      axes: `stroke="${toHex(INK)}" stroke-width="1" fill="${toHex(INK)}" font-family="DejaVu Sans, Bitstream Vera Sans, Arial, sans-serif"`,
      title: `fill="${toHex(INK)}" font-family="DejaVu Sans, Bitstream Vera Sans, Arial, sans-serif"`,
    };
    out.push(`<g class="${layer.role}" ${attrs[layer.role]}>`);
    for (const m of layer.marks) {
      switch (m.kind) {
        case 'rect':
          out.push(`<rect x="${num(m.x)}" y="${num(m.y)}" width="${num(m.w)}" height="${num(m.h)}" fill="${toHex(m.fill)}"/>`);
          break;
        case 'circle':
          out.push(`<circle cx="${num(m.cx)}" cy="${num(m.cy)}" r="${num(m.r)}" fill="${toHex(m.fill)}"/>`);
          break;
        case 'line':
          out.push(`<line x1="${num(m.x1)}" y1="${num(m.y1)}" x2="${num(m.x2)}" y2="${num(m.y2)}"/>`);
          break;
        case 'text':
          out.push(
            `<text x="${num(m.x)}" y="${num(m.y)}" font-size="${num(m.size)}" text-anchor="${m.anchor}" stroke="none">${escapeXml(m.text)}</text>`,
          );
          break;
      }
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// Loaded on first use: `import 'torchts'` should not load a second native
// addon, and a platform without resvg's binary still gets SVGs.
const load = createRequire(import.meta.url);
let resvg: { Resvg: typeof ResvgClass; font: string } | undefined;

function sceneToPng(scene: Scene): Buffer {
  resvg ??= {
    Resvg: (load('@resvg/resvg-js') as { Resvg: typeof ResvgClass }).Resvg,
    font: load.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  };
  const renderer = new resvg.Resvg(sceneToSvg(scene), {
    font: { loadSystemFonts: false, fontFiles: [resvg.font], defaultFontFamily: 'DejaVu Sans' },
  });
  return renderer.render().asPng();
}

// ---------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------

/**
 * `plt.scatter(X[:, 0], X[:, 1], c=y, cmap=plt.cm.RdYlBu)` as an SVG document
 * (one `<circle>` per point, in data order).
 */
export function scatterSvg(data: ScatterData, opts: ScatterOptions = {}): string {
  return sceneToSvg(scatterScene(data, opts));
}

/** The same scatter figure as PNG bytes (the SVG rendered by resvg; RGBA, 640x480 by default). */
export function scatterPng(data: ScatterData, opts: ScatterOptions = {}): Buffer {
  return sceneToPng(scatterScene(data, opts));
}

/**
 * The tutorial's `plot_decision_boundary` for each panel, side by side like
 * `plt.subplot(1, n, i)`: class regions filled as `contourf(..., alpha=0.7)`
 * over white, the panel's points on top, axes limited to the grid.
 */
export function decisionBoundarySvg(panels: BoundaryPanel[], opts: BoundaryOptions = {}): string {
  return sceneToSvg(boundaryScene(panels, opts));
}

/** The decision-boundary figure as PNG bytes (1200x600 for two panels by default). */
export function decisionBoundaryPng(panels: BoundaryPanel[], opts: BoundaryOptions = {}): Buffer {
  return sceneToPng(boundaryScene(panels, opts));
}
