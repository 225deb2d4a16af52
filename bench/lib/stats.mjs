// Small numeric and table helpers shared by the bench's parts.

/** Nearest-rank percentiles of `values` (unsorted), keyed p50, p95, p99, max. */
export function percentiles(values, quantiles) {
  const sorted = Float64Array.from(values).sort();
  const out = {};
  for (const q of quantiles) {
    const key = q === 1 ? 'max' : `p${Math.round(q * 100)}`;
    if (sorted.length === 0) {
      out[key] = null;
      continue;
    }
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    out[key] = Math.round(sorted[rank] * 10) / 10;
  }
  return out;
}

/** A number for a table cell: thousands separated, `digits` decimals, '-' when absent. */
export function fmt(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (typeof value !== 'number') return String(value);
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A ratio as "0.42x", or '-' when either side is missing. */
export function ratio(value, reference) {
  if (!value || !reference) return '-';
  return `${(value / reference).toFixed(value / reference < 0.1 ? 3 : 2)}x`;
}

/** Renders rows (arrays of cells) under a header as a plain-text table. */
export function table(header, rows) {
  const all = [header, ...rows].map((row) => row.map((cell) => String(cell ?? '')));
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]?.length ?? 0)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [
    line(all[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...all.slice(1).map(line),
  ].join('\n');
}
