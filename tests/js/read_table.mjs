// Read an Iceberg table with icebird (a third-party reader) and print its
// rows as JSON lines. icebird fetches every path it finds in the metadata
// through the global fetch, and node's fetch has no file://, so this script
// gives it one that serves file:// URLs from disk (honouring Range, HEAD);
// any other scheme is refused: tests never touch the network.
// usage: node read_table.mjs /path/to/table/metadata/00001-....metadata.json
import { open, stat, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { icebergRead } from 'icebird';

function localPath(url) {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (url.startsWith('/')) return url;
  throw new Error(`read_table: refusing to fetch ${url} (only file:// is served)`);
}

export async function fileFetch(input, init = {}) {
  const url = typeof input === 'string' ? input : input.url;
  const method = (init.method || 'GET').toUpperCase();
  const headers = new Headers(init.headers || {});
  let p;
  try {
    p = localPath(url);
  } catch (e) {
    return Promise.reject(e);
  }
  let st;
  try {
    st = await stat(p);
  } catch {
    return new Response('not found', { status: 404, statusText: 'Not Found' });
  }
  const size = st.size;
  if (method === 'HEAD') {
    return new Response(null, { status: 200, headers: { 'Content-Length': String(size) } });
  }
  const range = headers.get('range');
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (!m) return new Response('bad range', { status: 416 });
    let start = m[1] === '' ? size - Number(m[2]) : Number(m[1]);
    let end = m[1] === '' ? size - 1 : m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start < 0) start = 0;
    if (start > end || start >= size) {
      return new Response('range not satisfiable', { status: 416, headers: { 'Content-Range': `bytes */${size}` } });
    }
    const fh = await open(p, 'r');
    try {
      const buf = Buffer.alloc(end - start + 1);
      await fh.read(buf, 0, buf.length, start);
      return new Response(buf, {
        status: 206,
        headers: { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': String(buf.length) },
      });
    } finally {
      await fh.close();
    }
  }
  const body = await readFile(p);
  return new Response(body, { status: 200, headers: { 'Content-Length': String(size) } });
}

function plain(v) {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}

async function main() {
  const meta = process.argv[2];
  if (!meta) {
    console.error('usage: node read_table.mjs METADATA_JSON');
    process.exit(2);
  }
  const file = localPath(meta.startsWith('file://') ? meta : path.resolve(meta));
  globalThis.fetch = fileFetch;
  const metadataDir = path.dirname(file);
  const tableUrl = 'file://' + path.dirname(metadataDir);
  const rows = await icebergRead({ tableUrl, metadataFileName: path.basename(file) });
  for (const r of rows) process.stdout.write(JSON.stringify(plain(r)) + '\n');
  console.error(`${rows.length} rows`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`read_table: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  });
}
