import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blendOver, RD_YL_BU_DATA, rdYlBu, rdYlBuNormalized, toBytes, toHex } from '../ts/plot/colormap';
import {
  decisionBoundaryPng,
  decisionBoundarySvg,
  decisionGrid,
  scatterPng,
  scatterSvg,
  type BoundaryPanel,
} from '../ts/plot/figures';

// ---------------------------------------------------------------------------
// Helpers: an independent PNG reader and a tiny XML checker
// ---------------------------------------------------------------------------

interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  chunkTypes: string[];
  inflatedLength: number;
  pixels: Uint8Array;
}

/** Bit-by-bit CRC-32, deliberately not the table version under test. */
function slowCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function decodePng(png: Buffer): DecodedPng {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunkTypes: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(slowCrc32(png.subarray(at + 4, at + 8 + length)));
    chunkTypes.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  if (!ihdr) throw new Error('no IHDR');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(idat));
  // Undo the per-scanline filters (RGBA 8-bit: 4 bytes per pixel).
  const stride = width * 4;
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const v = raw[y * (stride + 1) + 1 + i];
      const a = i >= 4 ? pixels[y * stride + i - 4] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = i >= 4 && y > 0 ? pixels[(y - 1) * stride + i - 4] : 0;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else expect(filter).toBe(0);
      pixels[y * stride + i] = (v + predicted) & 0xff;
    }
  }
  return { width, height, bitDepth: ihdr[8], colorType: ihdr[9], chunkTypes, inflatedLength: raw.length, pixels };
}

function pixelAt(img: DecodedPng, x: number, y: number): number[] {
  const i = (Math.round(y) * img.width + Math.round(x)) * 4;
  return [...img.pixels.subarray(i, i + 4)];
}

/** The columns of `box` holding a dark (text or axes) pixel, in order. */
function inkColumns(img: DecodedPng, box: { x0: number; x1: number; y0: number; y1: number }): number[] {
  const columns: number[] = [];
  for (let x = box.x0; x < box.x1; x++) {
    for (let y = box.y0; y < box.y1; y++) {
      const [r, g, b] = pixelAt(img, x, y);
      if (r! + g! + b! < 3 * 128) {
        columns.push(x);
        break;
      }
    }
  }
  return columns;
}

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: XmlElement[];
}

/** Parses the XML subset SVG writers emit; throws on anything malformed. */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, text: '', children: [] };
  const stack = [root];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&#?\w+;[^"<&]*)*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(xml))) {
    consumed = token.lastIndex;
    const [, closing, name, attrText, selfClosing, text] = match;
    const top = stack[stack.length - 1];
    if (text !== undefined) {
      if (/&(?!#\d+;|amp;|lt;|gt;|quot;|apos;)/.test(text)) throw new Error(`bad entity in ${JSON.stringify(text)}`);
      top.text += text;
    } else if (closing) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
    } else {
      const attrs: Record<string, string> = {};
      for (const [, key, value] of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
        if (key in attrs) throw new Error(`duplicate attribute ${key}`);
        attrs[key] = value;
      }
      const el: XmlElement = { name, attrs, text: '', children: [] };
      top.children.push(el);
      if (!selfClosing) stack.push(el);
    }
  }
  if (consumed !== xml.length) throw new Error(`unparsed XML at offset ${consumed}: ${xml.slice(consumed, consumed + 40)}`);
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) throw new Error('expected exactly one root element');
  return root.children[0];
}

function descendants(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...descendants(c, name)]);
}

function group(svg: XmlElement, role: string): XmlElement[] {
  return descendants(svg, 'g').filter((g) => g.attrs.class === role);
}

// ---------------------------------------------------------------------------
// Data: two noisy concentric circles, like make_circles(noise=0.03, factor=0.8)
// ---------------------------------------------------------------------------

function circles(n: number, seed = 7): { X: number[][]; y: number[] } {
  let s = seed;
  const rand = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const inner = i % 2;
    const t = 2 * Math.PI * rand();
    const r = (inner ? 0.8 : 1) + 0.04 * (rand() - 0.5);
    X.push([r * Math.cos(t), r * Math.sin(t)]);
    y.push(inner);
  }
  return { X, y };
}

/** A stand-in model: class 1 inside radius 0.9. */
function circlePanel(title: string, X: number[][], y: number[]): BoundaryPanel {
  const { xs, ys, points } = decisionGrid(X);
  const labels = new Int32Array(xs.length * ys.length);
  for (let k = 0; k < labels.length; k++) labels[k] = Math.hypot(points[2 * k], points[2 * k + 1]) < 0.9 ? 1 : 0;
  return { title, X, y, grid: { xs, ys, labels } };
}

/** Two classes split at x = 0.5 on the unit square, with one point of each. */
function halvesPanel(): BoundaryPanel {
  const X = [
    [0.2, 0.5],
    [0.8, 0.5],
  ];
  const { xs, ys, points } = decisionGrid(X, 11, 0.1);
  const labels = Array.from({ length: xs.length * ys.length }, (_, k) => (points[2 * k] > 0.5 ? 1 : 0));
  return { title: 'Halves', X, y: [0, 1], grid: { xs, ys, labels } };
}

// ---------------------------------------------------------------------------
// Colormap
// ---------------------------------------------------------------------------

describe('RdYlBu colormap', () => {
  it("matches matplotlib's plt.cm.RdYlBu at the ends and inside", () => {
    // Reference: matplotlib 3.11.2, plt.cm.RdYlBu(x)[:3].
    const reference: [number, [number, number, number]][] = [
      [0.0, [0.6470588235294118, 0.0, 0.14901960784313725]],
      [1.0, [0.19215686274509805, 0.21176470588235294, 0.5843137254901961]],
      [0.5, [0.9976163014225298, 0.9990772779700116, 0.7534025374855825]],
      [0.3, [0.9914648212226067, 0.677354863514033, 0.37808535178777386]],
      [0.07142857142857142, [0.7854671280276817, 0.1328719723183391, 0.15178777393310267]],
      [0.9285714285714285, [0.247520184544406, 0.386159169550173, 0.6701268742791234]],
      [0.999, [0.19215686274509805, 0.21176470588235294, 0.5843137254901961]],
      [-0.5, [0.6470588235294118, 0.0, 0.14901960784313725]],
      [1.5, [0.19215686274509805, 0.21176470588235294, 0.5843137254901961]],
    ];
    for (const [x, rgb] of reference) {
      const got = rdYlBu(x);
      for (let c = 0; c < 3; c++) expect(got[c]).toBeCloseTo(rgb[c], 14);
    }
  });

  it('uses the published segment table and hex ends', () => {
    expect(RD_YL_BU_DATA).toHaveLength(11);
    expect(rdYlBu(0)).toEqual(RD_YL_BU_DATA[0]);
    expect(rdYlBu(1)).toEqual(RD_YL_BU_DATA[10]);
    expect(toHex(rdYlBu(0))).toBe('#a50026');
    expect(toHex(rdYlBu(1))).toBe('#313695');
    expect(toBytes(blendOver([0, 0, 0], 0.7))).toEqual([77, 77, 77]);
  });

  it('maps two classes to the red and blue ends, as scatter(c=y) does', () => {
    expect(rdYlBuNormalized(0, 0, 1)).toEqual(rdYlBu(0));
    expect(rdYlBuNormalized(1, 0, 1)).toEqual(rdYlBu(1));
    expect(rdYlBuNormalized(3, 3, 3)).toEqual(rdYlBu(0));
  });
});

// ---------------------------------------------------------------------------
// Prediction grid
// ---------------------------------------------------------------------------

describe('decisionGrid', () => {
  const X = [
    [0.5, -1.25],
    [2.0, 0.75],
    [-0.3, 0.1],
  ];

  it("matches numpy's meshgrid(linspace(...)) flattened with ravel()", () => {
    const { xs, ys, points } = decisionGrid(X);
    expect(xs).toHaveLength(101);
    expect(ys).toHaveLength(101);
    expect(points).toHaveLength(101 * 101 * 2);
    // Reference: np.column_stack((xx.ravel(), yy.ravel())) from numpy 2.
    const reference: [number, number, number][] = [
      [0, -0.4, -1.35],
      [1, -0.375, -1.35],
      [100, 2.1, -1.35],
      [101, -0.4, -1.328],
      [5150, 2.1, -0.25],
      [10200, 2.1, 0.85],
    ];
    for (const [k, x, y] of reference) {
      expect(points[2 * k]).toBe(Math.fround(x));
      expect(points[2 * k + 1]).toBe(Math.fround(y));
    }
  });

  it('is exact to the last bit in float64 for a small grid', () => {
    const { xs, ys, points } = decisionGrid(X, 5, 0.1);
    expect(xs).toEqual([-0.4, 0.22499999999999998, 0.85, 1.475, 2.1]);
    const reference = [
      [-0.4, -1.35], [0.22499999999999998, -1.35], [0.85, -1.35], [1.475, -1.35], [2.1, -1.35],
      [-0.4, -0.8], [0.22499999999999998, -0.8], [0.85, -0.8], [1.475, -0.8], [2.1, -0.8],
      [-0.4, -0.25], [0.22499999999999998, -0.25], [0.85, -0.25], [1.475, -0.25], [2.1, -0.25],
      [-0.4, 0.30000000000000004], [0.22499999999999998, 0.30000000000000004], [0.85, 0.30000000000000004], [1.475, 0.30000000000000004], [2.1, 0.30000000000000004],
      [-0.4, 0.85], [0.22499999999999998, 0.85], [0.85, 0.85], [1.475, 0.85], [2.1, 0.85],
    ];
    const meshgrid = ys.flatMap((yv) => xs.map((xv) => [xv, yv]));
    expect(meshgrid).toEqual(reference);
    expect(Array.from(points)).toEqual(reference.flat().map(Math.fround));
  });
});

// ---------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------

describe('scatter figure', () => {
  const data = circles(1000);

  it('is well-formed SVG with one circle per point in class colours', () => {
    const svgText = scatterSvg(data, { title: 'make_circles' });
    const svg = parseXml(svgText);
    expect(svg.name).toBe('svg');
    expect([svg.attrs.width, svg.attrs.height]).toEqual(['640', '480']);
    const dots = descendants(svg, 'circle');
    expect(dots).toHaveLength(1000);
    // Data order is kept, so point i has class y[i]'s colour.
    expect(dots[0].attrs.fill).toBe('#a50026');
    expect(dots[1].attrs.fill).toBe('#313695');
    expect(new Set(dots.map((d) => d.attrs.fill))).toEqual(new Set(['#a50026', '#313695']));
    expect(descendants(svg, 'text').some((t) => t.text === 'make_circles')).toBe(true);
    // Two-decimal coordinates keep 1000 points compact.
    expect(svgText.length).toBeLessThan(80_000);
    expect(svgText).not.toMatch(/\d\.\d{3,}/);
  });

  it("places and labels ticks like matplotlib's AutoLocator and ScalarFormatter", () => {
    // Reference: tick labels matplotlib 3.11.2 shows for plt.scatter of these points.
    const cases: [number[][], string[], string[]][] = [
      [[[0, 0], [10, 3]], ['0', '2', '4', '6', '8', '10'], ['0.0', '0.5', '1.0', '1.5', '2.0', '2.5', '3.0']],
      [
        [[-3.7, 0.001], [12.2, 0.004]],
        ['−4', '−2', '0', '2', '4', '6', '8', '10', '12'],
        ['0.0010', '0.0015', '0.0020', '0.0025', '0.0030', '0.0035', '0.0040'],
      ],
      [[[-1.06, -1.05], [1.04, 1.03]], ['−1.0', '−0.5', '0.0', '0.5', '1.0'], ['−1.0', '−0.5', '0.0', '0.5', '1.0']],
      [[[100, -250], [130, -10]], ['100', '105', '110', '115', '120', '125', '130'], ['−250', '−200', '−150', '−100', '−50', '0']],
    ];
    for (const [X, xLabels, yLabels] of cases) {
      const svg = parseXml(scatterSvg({ X, y: [0, 1] }));
      const texts = descendants(group(svg, 'axes')[0], 'text');
      expect(texts.filter((t) => t.attrs['text-anchor'] === 'middle').map((t) => t.text)).toEqual(xLabels);
      expect(texts.filter((t) => t.attrs['text-anchor'] === 'end').map((t) => t.text)).toEqual(yLabels);
    }
  });

  it('renders a PNG with the points in class colours on white', () => {
    const img = decodePng(scatterPng(data));
    expect([img.width, img.height]).toEqual([640, 480]);
    expect(img.inflatedLength).toBe(480 * (1 + 640 * 4));
    // Figure margin and the empty centre of the rings are white.
    expect(pixelAt(img, 5, 5)).toEqual([255, 255, 255, 255]);
    const svg = parseXml(scatterSvg(data));
    const axesBox = descendants(group(svg, 'axes')[0], 'line').slice(0, 4);
    const cx = (Number(axesBox[0].attrs.x1) + Number(axesBox[1].attrs.x1)) / 2;
    const cy = (Number(axesBox[2].attrs.y1) + Number(axesBox[3].attrs.y1)) / 2;
    expect(pixelAt(img, cx, cy)).toEqual([255, 255, 255, 255]);
    // A point's centre has its class colour exactly.
    const dots = descendants(svg, 'circle');
    const last = dots[dots.length - 1];
    expect(pixelAt(img, Number(last.attrs.cx) - 0.5, Number(last.attrs.cy) - 0.5)).toEqual([...toBytes(rdYlBu(1)), 255]);
    // The axes frame is drawn in black.
    expect(pixelAt(img, Number(axesBox[0].attrs.x1) - 0.5, cy)).toEqual([0, 0, 0, 255]);
  });

  it('sets the title and tick labels in the bundled DejaVu Sans, where the SVG anchors them', () => {
    // System fonts are not loaded, so any ink here comes from the packaged font.
    const titled = decodePng(scatterPng(data, { title: 'make_circles' }));
    const plain = decodePng(scatterPng(data));
    const svg = parseXml(scatterSvg(data, { title: 'make_circles' }));
    const title = descendants(group(svg, 'title')[0], 'text')[0];
    const size = Number(title.attrs['font-size']);
    const [tx, ty] = [Number(title.attrs.x), Number(title.attrs.y)];
    const band = { x0: 0, x1: 640, y0: Math.floor(ty - size), y1: Math.ceil(ty + 0.3 * size) };
    const titleInk = inkColumns(titled, band);
    expect(inkColumns(plain, band)).toEqual([]);
    expect(titleInk.length).toBeGreaterThan(60);
    // 12 glyphs of about 0.6 em each, centred on the anchor (text-anchor="middle").
    const [left, right] = [titleInk[0]!, titleInk[titleInk.length - 1]!];
    expect(right - left).toBeGreaterThan(7 * size * 0.6);
    expect(right - left).toBeLessThan(12 * size * 0.6);
    // (ink, not advance widths: side bearings shift it by a pixel or two)
    expect(Math.abs((left + right) / 2 - tx)).toBeLessThanOrEqual(3);
    // A y tick label ends at its anchor (text-anchor="end"), left of the axes.
    const ytick = descendants(group(svg, 'axes')[0], 'text').find((t) => t.attrs['text-anchor'] === 'end')!;
    const [yx, yy] = [Number(ytick.attrs.x), Number(ytick.attrs.y)];
    const tickInk = inkColumns(titled, { x0: 0, x1: Math.ceil(yx) + 3, y0: Math.floor(yy - 12), y1: Math.ceil(yy + 1) });
    expect(tickInk.length).toBeGreaterThan(10);
    expect(Math.abs(tickInk[tickInk.length - 1]! - yx)).toBeLessThanOrEqual(3);
  });

  it('is deterministic', () => {
    expect(scatterPng(data).equals(scatterPng(data))).toBe(true);
    expect(scatterSvg(data)).toBe(scatterSvg(data));
  });

  it('rejects mismatched X and y', () => {
    expect(() => scatterSvg({ X: [[0, 0]], y: [0, 1] })).toThrow(/X has 1 rows but y has 2/);
    expect(() => scatterPng({ X: [], y: [] })).toThrow(RangeError);
  });
});

describe('decision boundary figure', () => {
  const { X, y } = circles(1000);
  const panels = [circlePanel('Train', X.slice(0, 800), y.slice(0, 800)), circlePanel('Test', X.slice(800), y.slice(800))];

  it('draws train and test side by side as well-formed SVG', () => {
    const svgText = decisionBoundarySvg(panels);
    const svg = parseXml(svgText);
    expect([svg.attrs.width, svg.attrs.height]).toEqual(['1200', '600']);
    expect(descendants(svg, 'circle')).toHaveLength(1000);
    const points = group(svg, 'points');
    expect(points.map((g) => descendants(g, 'circle').length)).toEqual([800, 200]);
    expect(group(svg, 'title').map((g) => descendants(g, 'text')[0].text)).toEqual(['Train', 'Test']);
    // Rows are merged into runs: far fewer tiles than the 101 x 101 grid.
    const regions = group(svg, 'region');
    expect(regions).toHaveLength(2);
    for (const region of regions) expect(descendants(region, 'rect').length).toBeLessThan(300);
    expect(svgText.length).toBeLessThan(120_000);
    // The Test panel sits to the right of the Train panel.
    const firstTile = (g: XmlElement): number => Number(descendants(g, 'rect')[0].attrs.x);
    expect(firstTile(regions[1])).toBeGreaterThan(firstTile(regions[0]) + 400);
  });

  it("fills class regions with contourf's colours at alpha 0.7 over white", () => {
    const svg = parseXml(decisionBoundarySvg([halvesPanel()], { width: 600, height: 600 }));
    const tiles = descendants(group(svg, 'region')[0], 'rect');
    // One background tile for the more common class, one tile for the other half.
    expect(tiles).toHaveLength(2);
    // Reference: matplotlib's contourf(levels 0, 0.15, ..., 1.05) band colours blended at 0.7.
    expect(tiles.map((t) => t.attrs.fill)).toEqual(['#d96468', '#7991c4']);
  });

  it('colours more than two classes like contourf does', () => {
    for (const [K, expected] of [
      [3, ['#d66268', '#fff2be', '#778cc2']],
      [4, ['#d66268', '#fecb95', '#f1faec', '#778cc2']],
    ] as const) {
      const X = [
        [0, 0],
        [1, 1],
      ];
      const { xs, ys, points } = decisionGrid(X, 40, 0);
      const labels = Array.from({ length: xs.length * ys.length }, (_, k) => Math.min(K - 1, Math.floor(points[2 * k] * K)));
      const svg = parseXml(decisionBoundarySvg([{ title: `${K}`, X, y: [0, K - 1], grid: { xs, ys, labels } }]));
      const fills = new Set(descendants(group(svg, 'region')[0], 'rect').map((t) => t.attrs.fill));
      expect([...fills].sort()).toEqual([...expected].sort());
    }
  });

  it('renders a PNG whose regions are reddish for class 0 and bluish for class 1', () => {
    const panel = halvesPanel();
    const png = decisionBoundaryPng([panel], { width: 600, height: 600 });
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([600, 600]);
    expect(img.inflatedLength).toBe(600 * (1 + 600 * 4));
    // The single axes spans columns 75..540 and rows 72..534 (matplotlib's subplot margins).
    const red = pixelAt(img, 100, 150);
    const blue = pixelAt(img, 500, 150);
    expect(red).toEqual([0xd9, 0x64, 0x68, 255]);
    expect(blue).toEqual([0x79, 0x91, 0xc4, 255]);
    expect(red[0]).toBeGreaterThan(red[2]);
    expect(blue[2]).toBeGreaterThan(blue[0]);
    // Outside the axes: white.
    expect(pixelAt(img, 10, 10)).toEqual([255, 255, 255, 255]);
    expect(pixelAt(img, 590, 300)).toEqual([255, 255, 255, 255]);
    // Point centres carry the scatter colours (full RdYlBu ends), not the region's.
    const dots = descendants(parseXml(decisionBoundarySvg([panel], { width: 600, height: 600 })), 'circle');
    expect(pixelAt(img, Number(dots[0].attrs.cx) - 0.5, Number(dots[0].attrs.cy) - 0.5)).toEqual([...toBytes(rdYlBu(0)), 255]);
    expect(pixelAt(img, Number(dots[1].attrs.cx) - 0.5, Number(dots[1].attrs.cy) - 0.5)).toEqual([...toBytes(rdYlBu(1)), 255]);
  });

  it('renders the two-panel PNG deterministically', () => {
    const png = decisionBoundaryPng(panels);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([1200, 600]);
    expect(png.equals(decisionBoundaryPng(panels))).toBe(true);
    // Grid corners are outside radius 0.9, so class 0: reddish.
    const corner = pixelAt(img, 160, 80);
    expect(corner).toEqual([0xd9, 0x64, 0x68, 255]);
  });

  it('checks the grid labels against the grid size', () => {
    const bad = { ...panels[0], grid: { ...panels[0].grid, labels: [0, 1, 0] } };
    expect(() => decisionBoundarySvg([bad])).toThrow(/grid.labels has 3 entries/);
  });

  it('writes sample figures when PLOT_OUT is set', () => {
    const dir = process.env.PLOT_OUT;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const data = circles(1000);
    writeFileSync(join(dir, 'circles_scatter.png'), scatterPng(data));
    writeFileSync(join(dir, 'circles_scatter.svg'), scatterSvg(data));
    writeFileSync(join(dir, 'decision_boundary.png'), decisionBoundaryPng(panels));
    writeFileSync(join(dir, 'decision_boundary.svg'), decisionBoundarySvg(panels));
  });
});
