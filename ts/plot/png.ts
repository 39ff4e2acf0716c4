/**
 * A dependency-free PNG writer and the small RGBA raster it draws on: enough
 * for scatter plots and decision-boundary figures (rects, anti-aliased
 * circles and lines, and a built-in 5x7 bitmap font for titles and ticks).
 */
import { deflateSync } from 'node:zlib';

// ---------------------------------------------------------------------------
// PNG encoding
// ---------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, the one PNG chunks carry). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/**
 * Filter every scanline with each of PNG's five filters and keep the one with
 * the smallest sum of absolute (signed) bytes, the heuristic libpng uses; it
 * shrinks flat-colour plots several-fold before deflate.
 */
function filterScanlines(width: number, height: number, rgba: Uint8Array): Uint8Array {
  const bpp = 4;
  const stride = width * bpp;
  const out = new Uint8Array(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  const zeroRow = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = rgba.subarray(y * stride, (y + 1) * stride);
    const above = y > 0 ? rgba.subarray((y - 1) * stride, y * stride) : zeroRow;
    let bestFilter = 0;
    let bestScore = Infinity;
    for (let filter = 0; filter < 5; filter++) {
      let score = 0;
      for (let i = 0; i < stride; i++) {
        const left = i >= bpp ? row[i - bpp] : 0;
        const up = above[i];
        const upLeft = i >= bpp ? above[i - bpp] : 0;
        let predicted = 0;
        if (filter === 1) predicted = left;
        else if (filter === 2) predicted = up;
        else if (filter === 3) predicted = (left + up) >> 1;
        else if (filter === 4) predicted = paeth(left, up, upLeft);
        const v = (row[i] - predicted) & 0xff;
        score += v < 128 ? v : 256 - v;
      }
      if (score < bestScore) {
        bestScore = score;
        bestFilter = filter;
      }
    }
    const base = y * (stride + 1);
    out[base] = bestFilter;
    for (let i = 0; i < stride; i++) {
      const left = i >= bpp ? row[i - bpp] : 0;
      const up = above[i];
      const upLeft = i >= bpp ? above[i - bpp] : 0;
      let predicted = 0;
      if (bestFilter === 1) predicted = left;
      else if (bestFilter === 2) predicted = up;
      else if (bestFilter === 3) predicted = (left + up) >> 1;
      else if (bestFilter === 4) predicted = paeth(left, up, upLeft);
      candidate[i] = (row[i] - predicted) & 0xff;
    }
    out.set(candidate, base + 1);
  }
  return out;
}

/**
 * Encode straight-alpha RGBA pixels (row-major, 4 bytes per pixel) as a PNG:
 * 8-bit RGBA, non-interlaced, adaptively filtered, zlib-compressed.
 * Deterministic: the same pixels always give the same bytes.
 */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`encodePng: expected ${width * height * 4} RGBA bytes, got ${rgba.length}`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method: adaptive
  header[12] = 0; // no interlace
  const idat = deflateSync(filterScanlines(width, height, rgba), { level: 9 });
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

// ---------------------------------------------------------------------------
// Bitmap font
// ---------------------------------------------------------------------------

/** Glyph cell: 5 columns; 7 rows above the baseline, 2 more for descenders. */
export const GLYPH_WIDTH = 5;
export const GLYPH_CAP_HEIGHT = 7;
const GLYPH_ROWS = 9;

/**
 * Printable ASCII as rows of '#' (ink) and '.' (blank), top row first; glyphs
 * with descenders (g, j, p, q, y) carry 9 rows, the rest 7.
 */
const FONT_ROWS: Record<string, string> = {
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '"': '.#.#. .#.#. .#.#. ..... ..... ..... .....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  $: '..#.. .#### #.#.. .###. ..#.# ####. ..#..',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  "'": '..#.. ..#.. ..... ..... ..... ..... .....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  '-': '..... ..... ..... ##### ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '0': '.###. #...# #...# #...# #...# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  ';': '..... .##.. .##.. ..... .##.. ..#.. .#...',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '@': '.###. #...# ....# .##.# #.#.# #.#.# .###.',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  '\\': '..... #.... .#... ..#.. ...#. ....# .....',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '^': '..#.. .#.#. #...# ..... ..... ..... .....',
  _: '..... ..... ..... ..... ..... ..... #####',
  '`': '.#... ..#.. ..... ..... ..... ..... .....',
  a: '..... ..... .###. ....# .#### #...# .####',
  b: '#.... #.... #.##. ##..# #...# #...# ####.',
  c: '..... ..... .###. #.... #.... #...# .###.',
  d: '....# ....# .##.# #..## #...# #...# .####',
  e: '..... ..... .###. #...# ##### #.... .###.',
  f: '..##. .#..# .#... ###.. .#... .#... .#...',
  g: '..... ..... .#### #...# #...# #...# .#### ....# .###.',
  h: '#.... #.... #.##. ##..# #...# #...# #...#',
  i: '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  j: '...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #...# #...#',
  n: '..... ..... #.##. ##..# #...# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# #...# #...# ####. #.... #....',
  q: '..... ..... .#### #...# #...# #...# .#### ....# ....#',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .###. #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  u: '..... ..... #...# #...# #...# #..## .##.#',
  v: '..... ..... #...# #...# #...# .#.#. ..#..',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  x: '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  y: '..... ..... #...# #...# #...# #...# .#### ....# .###.',
  z: '..... ..... ##### ...#. ..#.. .#... #####',
  '{': '...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  '}': '.#... ..#.. ..#.. ...#. ..#.. ..#.. .#...',
  '~': '..... ..... .#... #.#.# ...#. ..... .....',
};

/** Characters drawn with another glyph: matplotlib's tick labels use U+2212 for minus. */
const GLYPH_ALIASES: Record<string, string> = { '\u2212': '-', '\u2013': '-', '\u00a0': ' ' };

/** Ink cells per glyph as [column, row] pairs, decoded once. */
const GLYPHS: Map<string, [number, number][]> = new Map(
  Object.entries(FONT_ROWS).map(([ch, rows]) => {
    const cells: [number, number][] = [];
    rows.split(' ').forEach((row, r) => {
      if (r >= GLYPH_ROWS) return;
      for (let c = 0; c < GLYPH_WIDTH; c++) if (row[c] === '#') cells.push([c, r]);
    });
    return [ch, cells];
  }),
);

function glyphCells(ch: string): [number, number][] {
  return GLYPHS.get(GLYPH_ALIASES[ch] ?? ch) ?? GLYPHS.get('?')!;
}

/** Horizontal advance of one character, in font units (glyph plus one blank column). */
const GLYPH_ADVANCE = GLYPH_WIDTH + 1;

/** Width in pixels of `text` drawn at `scale` pixels per font unit. */
export function measureText(text: string, scale: number): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale;
}

// ---------------------------------------------------------------------------
// Raster canvas
// ---------------------------------------------------------------------------

/** An 8-bit RGB colour plus an opacity in [0, 1]. */
export interface Paint {
  rgb: readonly [number, number, number];
  alpha?: number;
}

export type TextAnchor = 'start' | 'middle' | 'end';

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Length of the overlap of [a0, a1) with [b0, b1). */
const overlap = (a0: number, a1: number, b0: number, b1: number): number =>
  Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * An RGBA raster with straight (non-premultiplied) alpha and "source over"
 * blending. Shapes take fractional pixel coordinates (pixel (x, y) covers
 * [x, x+1) x [y, y+1)) and are anti-aliased by area coverage.
 */
export class RgbaCanvas {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;

  /** A canvas filled with `background` (opaque white by default). */
  constructor(width: number, height: number, background: Paint = { rgb: [255, 255, 255] }) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`RgbaCanvas: size must be positive integers, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height * 4);
    const a = Math.round(clamp01(background.alpha ?? 1) * 255);
    for (let i = 0; i < width * height; i++) {
      this.pixels.set([background.rgb[0], background.rgb[1], background.rgb[2], a], i * 4);
    }
  }

  /** The [r, g, b, a] bytes at integer pixel (x, y). */
  getPixel(x: number, y: number): [number, number, number, number] {
    const i = (y * this.width + x) * 4;
    const p = this.pixels;
    return [p[i], p[i + 1], p[i + 2], p[i + 3]];
  }

  /** Composite `paint` over pixel (x, y) with the given coverage in [0, 1]. */
  blendPixel(x: number, y: number, paint: Paint, coverage = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const a = clamp01((paint.alpha ?? 1) * coverage);
    if (a <= 0) return;
    const i = (y * this.width + x) * 4;
    const p = this.pixels;
    const dstA = p[i + 3] / 255;
    const outA = a + dstA * (1 - a);
    for (let c = 0; c < 3; c++) {
      p[i + c] = Math.round((paint.rgb[c] * a + p[i + c] * dstA * (1 - a)) / outA);
    }
    p[i + 3] = Math.round(outA * 255);
  }

  /** Fill an axis-aligned rectangle; fractional edges get partial coverage. */
  fillRect(x: number, y: number, w: number, h: number, paint: Paint): void {
    if (w <= 0 || h <= 0) return;
    const x0 = Math.max(0, Math.floor(x));
    const x1 = Math.min(this.width, Math.ceil(x + w));
    const y0 = Math.max(0, Math.floor(y));
    const y1 = Math.min(this.height, Math.ceil(y + h));
    for (let py = y0; py < y1; py++) {
      const cy = overlap(py, py + 1, y, y + h);
      for (let px = x0; px < x1; px++) this.blendPixel(px, py, paint, cy * overlap(px, px + 1, x, x + w));
    }
  }

  /**
   * A disc of radius `r` centred at (cx, cy), optionally with an outline of
   * `strokeWidth` centred on the rim (as matplotlib strokes markers).
   */
  fillCircle(cx: number, cy: number, r: number, fill: Paint, stroke?: Paint, strokeWidth = 0): void {
    const half = stroke ? strokeWidth / 2 : 0;
    const reach = r + half + 1;
    const x0 = Math.max(0, Math.floor(cx - reach));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + reach));
    const y0 = Math.max(0, Math.floor(cy - reach));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + reach));
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        // Coverage from the distance of the pixel centre to the rim: a cheap,
        // smooth stand-in for exact area that is within a few % for r >= 2.
        const d = Math.hypot(px + 0.5 - cx, py + 0.5 - cy);
        this.blendPixel(px, py, fill, clamp01(r - d + 0.5));
        if (stroke && strokeWidth > 0) {
          const ring = clamp01(r + half - d + 0.5) - clamp01(r - half - d + 0.5);
          this.blendPixel(px, py, stroke, ring);
        }
      }
    }
  }

  /** A straight segment of the given width with butt ends, anti-aliased. */
  drawLine(x0: number, y0: number, x1: number, y1: number, width: number, paint: Paint): void {
    const dx = x1 - x0;
    const dy = y1 - y0;
    const length = Math.hypot(dx, dy);
    if (length === 0 || width <= 0) return;
    const ux = dx / length;
    const uy = dy / length;
    const half = width / 2;
    const left = Math.max(0, Math.floor(Math.min(x0, x1) - half - 1));
    const right = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1) + half + 1));
    const top = Math.max(0, Math.floor(Math.min(y0, y1) - half - 1));
    const bottom = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + half + 1));
    for (let py = top; py <= bottom; py++) {
      for (let px = left; px <= right; px++) {
        const rx = px + 0.5 - x0;
        const ry = py + 0.5 - y0;
        const along = rx * ux + ry * uy;
        const across = Math.abs(-rx * uy + ry * ux);
        const coverage = clamp01(half - across + 0.5) * clamp01(Math.min(along, length - along) + 0.5);
        this.blendPixel(px, py, paint, coverage);
      }
    }
  }

  /**
   * Draw `text` in the built-in 5x7 font with its baseline at `y`, each font
   * unit `scale` pixels wide (fractional scales are area-anti-aliased).
   * Characters without a glyph draw as '?'.
   */
  drawText(text: string, x: number, y: number, scale: number, paint: Paint, anchor: TextAnchor = 'start'): void {
    const chars = [...text];
    if (chars.length === 0) return;
    const width = measureText(text, scale);
    const left = anchor === 'start' ? x : anchor === 'middle' ? x - width / 2 : x - width;
    const top = y - GLYPH_CAP_HEIGHT * scale;
    // Accumulate coverage first so neighbouring ink cells do not double-blend
    // their shared, partially covered pixels.
    const bx0 = Math.floor(left);
    const by0 = Math.floor(top);
    const bw = Math.ceil(left + width) - bx0 + 1;
    const bh = Math.ceil(top + GLYPH_ROWS * scale) - by0 + 1;
    const coverage = new Float32Array(bw * bh);
    chars.forEach((ch, k) => {
      for (const [col, row] of glyphCells(ch)) {
        const cx0 = left + (k * GLYPH_ADVANCE + col) * scale;
        const cy0 = top + row * scale;
        for (let py = Math.floor(cy0); py < Math.ceil(cy0 + scale); py++) {
          const cy = overlap(py, py + 1, cy0, cy0 + scale);
          for (let px = Math.floor(cx0); px < Math.ceil(cx0 + scale); px++) {
            coverage[(py - by0) * bw + (px - bx0)] += cy * overlap(px, px + 1, cx0, cx0 + scale);
          }
        }
      }
    });
    for (let j = 0; j < bh; j++) {
      for (let i = 0; i < bw; i++) {
        const c = coverage[j * bw + i];
        if (c > 0) this.blendPixel(bx0 + i, by0 + j, paint, Math.min(1, c));
      }
    }
  }

  /** The canvas as PNG bytes. */
  toPng(): Buffer {
    return encodePng(this.width, this.height, this.pixels);
  }
}
