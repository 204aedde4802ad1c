// Compare the rows a third-party reader returned (JSON lines, from
// read_table.mjs) with the rows `floe query --json` printed (a JSON array).
// Values are normalised so that the same value compares equal across the two
// encodings: numbers and numeric strings by value, dates and timestamps as
// epoch milliseconds; row order is ignored.
// usage: node compare_rows.mjs READER.jsonl FLOE.json
import { readFileSync } from 'node:fs';

const tsRe = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?))?(Z|[+-]00(?::?00)?)?$/;

// integers exactly (as BigInt text); other numbers to 12 significant digits,
// since readers compute decimals as floating point (icebird: unscaled / 10^s)
function num(x) {
  const t = String(x);
  if (/^-?\d+$/.test(t)) return 'n:' + BigInt(t).toString();
  const n = Number(t);
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 53) return 'n:' + String(n);
  return 'n:' + String(Number(n.toPrecision(12)));
}

function norm(v) {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(norm);
  if (typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v).sort()) out[k] = norm(v[k]);
    return out;
  }
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') {
    if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) return num(v);
    const t = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(v);
    if (t) {
      // time of day: Iceberg stores microseconds since midnight
      const us = ((Number(t[1]) * 60 + Number(t[2])) * 60 + Number(t[3])) * 1e6 + Number((t[4] || '').padEnd(6, '0'));
      return 'n:' + String(us);
    }
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v)) return 's:' + v.replace(/-/g, '');
    const m = tsRe.exec(v);
    if (m) {
      const frac = m[2] ? m[2] : '00:00:00';
      const ms = Date.parse(`${m[1]}T${frac.slice(0, 12)}Z`);
      if (!Number.isNaN(ms)) return 't:' + ms;
    }
    return 's:' + v;
  }
  return typeof v + ':' + String(v);
}

const reader = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.trim() !== '')
  .map((l) => JSON.stringify(norm(JSON.parse(l))));
const floe = JSON.parse(readFileSync(process.argv[3], 'utf8')).map((r) => JSON.stringify(norm(r)));
reader.sort();
floe.sort();
let bad = 0;
if (reader.length !== floe.length) {
  console.error(`row count differs: reader ${reader.length}, floe ${floe.length}`);
  bad++;
}
for (let i = 0; i < Math.min(reader.length, floe.length) && bad < 5; i++) {
  if (reader[i] !== floe[i]) {
    console.error(`row ${i} differs:\n  reader ${reader[i]}\n  floe   ${floe[i]}`);
    bad++;
  }
}
if (bad) process.exit(1);
console.log(`same ${reader.length} rows`);
