/**
 * matplotlib's `RdYlBu` colormap (`plt.cm.RdYlBu`), reproduced the way
 * matplotlib builds it: the 11 ColorBrewer colours spaced evenly on [0, 1],
 * linearly interpolated into a 256-entry lookup table, then looked up by
 * truncating `x * 256`. Matching the table (not just the interpolation) is what
 * makes `cmap(0.5)` equal matplotlib's 0.99761..., not the anchor colour 1.0.
 */

/** An RGB colour with channels in [0, 1], as matplotlib returns them. */
export type Rgb = readonly [number, number, number];

/** matplotlib's `_RdYlBu_data` (lib/matplotlib/_cm.py): red → yellow → blue. */
export const RD_YL_BU_DATA: readonly Rgb[] = [
  [0.6470588235294118, 0.0, 0.14901960784313725],
  [0.8431372549019608, 0.18823529411764706, 0.15294117647058825],
  [0.9568627450980393, 0.42745098039215684, 0.2627450980392157],
  [0.9921568627450981, 0.6823529411764706, 0.3803921568627451],
  [0.996078431372549, 0.8784313725490196, 0.5647058823529412],
  [1.0, 1.0, 0.7490196078431373],
  [0.8784313725490196, 0.9529411764705882, 0.9725490196078431],
  [0.6705882352941176, 0.8509803921568627, 0.9137254901960784],
  [0.4549019607843137, 0.6784313725490196, 0.8196078431372549],
  [0.27058823529411763, 0.4588235294117647, 0.7058823529411765],
  [0.19215686274509805, 0.21176470588235294, 0.5843137254901961],
];

/** matplotlib's default lookup-table size (`rcParams['image.lut']`). */
const LUT_SIZE = 256;

/** numpy's `linspace(0, 1, num)`: `arange(num) * step`, last element forced to 1. */
function unitLinspace(num: number): number[] {
  const step = 1 / (num - 1);
  const out = Array.from({ length: num }, (_, k) => k * step);
  out[num - 1] = 1;
  return out;
}

/**
 * matplotlib's `_create_lookup_table(N, data)` for one channel whose segment
 * data are `(x_k, c_k, c_k)` (no discontinuities, as `from_list` makes them).
 */
function lookupTable(anchors: readonly number[], n: number): Float64Array {
  const xs = unitLinspace(anchors.length).map((x) => x * (n - 1));
  const targets = unitLinspace(n).map((t) => (n - 1) * t);
  const lut = new Float64Array(n);
  lut[0] = anchors[0];
  lut[n - 1] = anchors[anchors.length - 1];
  for (let i = 1; i < n - 1; i++) {
    const t = targets[i];
    // np.searchsorted(xs, t, side='left'): first anchor with xs[k] >= t.
    let k = 0;
    while (xs[k] < t) k++;
    const distance = (t - xs[k - 1]) / (xs[k] - xs[k - 1]);
    lut[i] = Math.min(1, Math.max(0, distance * (anchors[k] - anchors[k - 1]) + anchors[k - 1]));
  }
  return lut;
}

function buildRdYlBuLut(): Rgb[] {
  const channels = [0, 1, 2].map((c) => lookupTable(RD_YL_BU_DATA.map((rgb) => rgb[c]), LUT_SIZE));
  return Array.from({ length: LUT_SIZE }, (_, i) => [channels[0][i], channels[1][i], channels[2][i]] as const);
}

const RD_YL_BU_LUT = buildRdYlBuLut();

/**
 * `plt.cm.RdYlBu(x)` for a normalised value: 0 → dark red, 0.5 → pale yellow,
 * 1 → dark blue. Values outside [0, 1] clamp to the ends (matplotlib's default
 * under/over colours); NaN maps to the low end rather than matplotlib's
 * transparent "bad" colour, since callers here only draw opaque marks.
 */
export function rdYlBu(x: number): Rgb {
  if (!(x > 0)) return RD_YL_BU_LUT[0];
  if (x >= 1) return RD_YL_BU_LUT[LUT_SIZE - 1];
  return RD_YL_BU_LUT[Math.floor(x * LUT_SIZE)];
}

/**
 * The colour matplotlib gives `value` under `Normalize(vmin, vmax)` then
 * RdYlBu; e.g. `scatter(..., c=y, cmap=RdYlBu)` uses vmin = min(y), vmax = max(y),
 * so with classes {0, 1} class 0 is the red end and class 1 the blue end.
 */
export function rdYlBuNormalized(value: number, vmin: number, vmax: number): Rgb {
  // matplotlib maps every value to 0 when vmin == vmax.
  return rdYlBu(vmax > vmin ? (value - vmin) / (vmax - vmin) : 0);
}

/** Blend `color` with opacity `alpha` over `background` (straight alpha). */
export function blendOver(color: Rgb, alpha: number, background: Rgb = [1, 1, 1]): Rgb {
  return [0, 1, 2].map((c) => color[c] * alpha + background[c] * (1 - alpha)) as unknown as Rgb;
}

/** 8-bit channels, rounded as matplotlib's `to_hex` does. */
export function toBytes(color: Rgb): [number, number, number] {
  return [
    Math.round(Math.min(1, Math.max(0, color[0])) * 255),
    Math.round(Math.min(1, Math.max(0, color[1])) * 255),
    Math.round(Math.min(1, Math.max(0, color[2])) * 255),
  ];
}

/** `#rrggbb`, as matplotlib's `to_hex` writes it. */
export function toHex(color: Rgb): string {
  return '#' + toBytes(color).map((v) => v.toString(16).padStart(2, '0')).join('');
}
