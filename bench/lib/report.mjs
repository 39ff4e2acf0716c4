// Statistics and table rendering for bench/run.mjs (plain text and markdown).

export function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmtSeconds(s) {
  if (!Number.isFinite(s)) return '–';
  if (s >= 100) return `${s.toFixed(0)} s`;
  if (s >= 10) return `${s.toFixed(1)} s`;
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(s >= 0.1 ? 0 : 1)} ms`;
  if (s >= 1e-6) return `${(s * 1e6).toFixed(s >= 1e-4 ? 0 : 2)} µs`;
  return `${(s * 1e9).toFixed(0)} ns`;
}

export function fmtRate(r, unit) {
  if (!Number.isFinite(r)) return '–';
  const [v, p] = r >= 1e9 ? [r / 1e9, 'G'] : r >= 1e6 ? [r / 1e6, 'M'] : r >= 1e3 ? [r / 1e3, 'k'] : [r, ''];
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${p}${unit}`;
}

export function fmtRatio(x) {
  if (!Number.isFinite(x)) return '–';
  return `${x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3)}×`;
}

/** Pads a table of strings into aligned text columns. */
export function textTable(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function mdTable(header, rows) {
  const esc = (c) => String(c ?? '').replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
