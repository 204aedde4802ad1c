// Spec check of an Iceberg v2 table written by floe, independent of floe's
// code: the metadata JSON rules (format/spec.md "Table Metadata"), then every
// snapshot's manifest list and every manifest decoded with avsc and checked
// for the spec's field ids, header keys, counts, sizes and inheritance rules.
// usage: node check_avro.mjs /path/to/metadata.json
import { readFileSync, statSync, createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';

const errors = [];
const bad = (msg) => errors.push(msg);

// avsc decodes longs as JS numbers and refuses 63-bit ids: use BigInt.
const longType = avro.types.LongType.__with({
  fromBuffer: (buf) => buf.readBigInt64LE(),
  toBuffer: (n) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n) => typeof n === 'bigint',
  compare: (a, b) => (a === b ? 0 : a < b ? -1 : 1),
});
const parseHook = (schema) => avro.Type.forSchema(schema, { registry: { long: longType } });

function local(uri) {
  if (!uri.startsWith('file://')) bad(`path is not an absolute file:// URI: ${uri}`);
  return uri.startsWith('file://') ? fileURLToPath(uri) : uri;
}

function decode(file) {
  return new Promise((resolve, reject) => {
    const out = { meta: {}, schema: null, records: [] };
    createReadStream(file)
      .pipe(new avro.streams.BlockDecoder({ parseHook }))
      .on('metadata', (type, codec, header) => {
        for (const [k, v] of Object.entries(header.meta)) out.meta[k] = v.toString('utf8');
        out.schema = JSON.parse(out.meta['avro.schema']);
      })
      .on('data', (r) => out.records.push(r))
      .on('end', () => resolve(out))
      .on('error', reject);
  });
}

// field ids of a record schema, recursively: name path -> id
function fieldIds(schema, prefix = '', acc = {}) {
  const t = Array.isArray(schema) ? schema.find((x) => x !== 'null') : schema;
  if (t && typeof t === 'object' && t.type === 'record') {
    for (const f of t.fields) {
      const p = prefix + f.name;
      if (f['field-id'] === undefined) bad(`${p}: no field-id`);
      acc[p] = f['field-id'];
      fieldIds(f.type, p + '.', acc);
    }
  } else if (t && typeof t === 'object' && t.type === 'array') {
    if (t['element-id'] === undefined && t.logicalType !== 'map') bad(`${prefix}: array without element-id`);
    acc[prefix.replace(/\.$/, '') + '[]'] = t['element-id'];
    fieldIds(t.items, prefix, acc);
  }
  return acc;
}

function expectIds(ids, want, what) {
  for (const [name, id] of Object.entries(want)) {
    if (ids[name] !== id) bad(`${what}: field ${name} has id ${ids[name]}, spec says ${id}`);
  }
}

const LIST_IDS = {
  manifest_path: 500, manifest_length: 501, partition_spec_id: 502, content: 517,
  sequence_number: 515, min_sequence_number: 516, added_snapshot_id: 503,
  added_files_count: 504, existing_files_count: 505, deleted_files_count: 506,
  added_rows_count: 512, existing_rows_count: 513, deleted_rows_count: 514,
  partitions: 507, 'partitions[]': 508, 'partitions.contains_null': 509,
};
const ENTRY_IDS = {
  status: 0, snapshot_id: 1, sequence_number: 3, file_sequence_number: 4, data_file: 2,
  'data_file.content': 134, 'data_file.file_path': 100, 'data_file.file_format': 101,
  'data_file.partition': 102, 'data_file.record_count': 103, 'data_file.file_size_in_bytes': 104,
  'data_file.column_sizes': 108, 'data_file.column_sizes.key': 117, 'data_file.column_sizes.value': 118,
  'data_file.value_counts': 109, 'data_file.value_counts.key': 119, 'data_file.value_counts.value': 120,
  'data_file.null_value_counts': 110, 'data_file.null_value_counts.key': 121,
  'data_file.null_value_counts.value': 122, 'data_file.lower_bounds': 125,
  'data_file.lower_bounds.key': 126, 'data_file.lower_bounds.value': 127,
  'data_file.upper_bounds': 128, 'data_file.upper_bounds.key': 129, 'data_file.upper_bounds.value': 130,
};

function maxId(t) {
  if (typeof t !== 'object' || t === null) return 0;
  let m = 0;
  for (const f of t.fields || []) m = Math.max(m, f.id, maxId(f.type));
  if (t.type === 'list') m = Math.max(m, t['element-id'], maxId(t.element));
  if (t.type === 'map') m = Math.max(m, t['key-id'], t['value-id'], maxId(t.key), maxId(t.value));
  return m;
}

// field id -> primitive type name ("double", "decimal(9,2)", ...) of an
// Iceberg schema JSON, nested fields included
function primitiveTypes(t, acc = new Map()) {
  const visit = (id, type) => (typeof type === 'string' ? acc.set(id, type) : primitiveTypes(type, acc));
  if (typeof t !== 'object' || t === null) return acc;
  for (const f of t.fields || []) visit(f.id, f.type);
  if (t.type === 'list') visit(t['element-id'], t.element);
  if (t.type === 'map') {
    visit(t['key-id'], t.key);
    visit(t['value-id'], t.value);
  }
  return acc;
}

// Float and double bounds (spec App. D: little-endian IEEE 754): never NaN,
// lower <= upper in IEEE 754 totalOrder (spec "Data File Fields": -0.0
// precedes +0.0). A writer that cannot tell which zero the data held (floe:
// DuckDB's stats print either) must give -0.0 as a zero lower bound and
// +0.0 as a zero upper bound, so a zero of the other sign is an error here.
function checkFloatBounds(df, types, where) {
  const read = (type, buf) => (type === 'float' ? buf.readFloatLE(0) : buf.readDoubleLE(0));
  const get = (m, id) => (m || []).find((kv) => kv.key === id);
  for (const [id, type] of types) {
    if (type !== 'float' && type !== 'double') continue;
    const lo = get(df.lower_bounds, id), hi = get(df.upper_bounds, id);
    const size = type === 'float' ? 4 : 8;
    for (const [side, kv] of [['lower', lo], ['upper', hi]]) {
      if (kv && kv.value.length !== size) bad(`${where}: ${type} ${side} bound of field ${id} has ${kv.value.length} bytes`);
    }
    const l = lo && lo.value.length === size ? read(type, lo.value) : undefined;
    const u = hi && hi.value.length === size ? read(type, hi.value) : undefined;
    if (Number.isNaN(l) || Number.isNaN(u)) bad(`${where}: NaN bound of field ${id}`);
    if (Object.is(l, 0)) bad(`${where}: lower bound of ${type} field ${id} is +0.0, must be -0.0 (-0.0 precedes +0.0)`);
    if (Object.is(u, -0)) bad(`${where}: upper bound of ${type} field ${id} is -0.0, must be +0.0 (-0.0 precedes +0.0)`);
    if (l !== undefined && u !== undefined && l > u) {
      bad(`${where}: ${type} field ${id}: lower bound ${l} above upper bound ${u}`);
    }
  }
}

function checkMetadata(md) {
  if (md['format-version'] !== 2) bad(`format-version is ${md['format-version']}`);
  for (const k of ['table-uuid', 'location', 'last-sequence-number', 'last-updated-ms', 'last-column-id',
    'schemas', 'current-schema-id', 'partition-specs', 'default-spec-id', 'last-partition-id',
    'sort-orders', 'default-sort-order-id']) {
    if (md[k] === undefined) bad(`metadata lacks required field ${k}`);
  }
  if (!/^(file|s3):\/\//.test(md.location)) bad(`location is not an absolute URI: ${md.location}`);
  if (!md.schemas.some((s) => s['schema-id'] === md['current-schema-id'])) bad('current-schema-id names no schema');
  for (const s of md.schemas) if (maxId(s) > md['last-column-id']) bad(`schema ${s['schema-id']} has ids above last-column-id`);
  const snaps = md.snapshots || [];
  const maxSeq = snaps.reduce((m, s) => Math.max(m, Number(s['sequence-number'])), 0);
  if (md['last-sequence-number'] !== maxSeq) bad(`last-sequence-number ${md['last-sequence-number']} != max snapshot sequence ${maxSeq}`);
  if (md['current-snapshot-id'] !== undefined && md['current-snapshot-id'] !== null && md['current-snapshot-id'] >= 0n) {
    if (!md.refs || !md.refs.main || md.refs.main['snapshot-id'] !== md['current-snapshot-id']) bad('current-snapshot-id differs from refs.main');
  }
  const byId = new Map(snaps.map((s) => [s['snapshot-id'], s]));
  for (const s of snaps) {
    if (!(BigInt(s['snapshot-id']) > 0n)) bad(`snapshot id ${s['snapshot-id']} is not positive`);
    if (!s.summary || !s.summary.operation) bad(`snapshot ${s['snapshot-id']} has no summary.operation`);
    const p = byId.get(s['parent-snapshot-id']);
    if (p && !(s['sequence-number'] > p['sequence-number'])) bad(`snapshot ${s['snapshot-id']}: sequence number not above its parent's`);
  }
}

async function main() {
  const metaPath = process.argv[2];
  // ids are 63-bit: keep long integers exact as BigInt
  const text = readFileSync(metaPath.replace(/^file:\/\//, ''), 'utf8');
  const md = JSON.parse(text.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'),
    (k, v) => (typeof v === 'string' && /^-?\d{16,}$/.test(v) ? BigInt(v) : v));
  checkMetadata(md);
  let nman = 0;
  const files = new Set();
  for (const snap of md.snapshots || []) {
    const listFile = local(snap['manifest-list']);
    const list = await decode(listFile);
    const lm = list.meta;
    if (!lm['avro.codec']) bad(`${listFile}: no avro.codec`);
    if (lm['format-version'] !== '2') bad(`${listFile}: format-version header is ${lm['format-version']}`);
    if (lm['snapshot-id'] !== String(snap['snapshot-id'])) bad(`${listFile}: snapshot-id header ${lm['snapshot-id']}`);
    if (lm['parent-snapshot-id'] !== (snap['parent-snapshot-id'] === undefined ? 'null' : String(snap['parent-snapshot-id']))) bad(`${listFile}: parent-snapshot-id header ${lm['parent-snapshot-id']}`);
    if (lm['sequence-number'] !== String(snap['sequence-number'])) bad(`${listFile}: sequence-number header`);
    expectIds(fieldIds(list.schema), LIST_IDS, listFile);
    const live = { 'total-data-files': 0n, 'total-records': 0n, 'total-files-size': 0n };
    for (const mf of list.records) {
      nman++;
      const mfile = local(mf.manifest_path);
      if (BigInt(statSync(mfile).size) !== mf.manifest_length) bad(`${mfile}: manifest_length ${mf.manifest_length} != size ${statSync(mfile).size}`);
      const man = await decode(mfile);
      const mm = man.meta;
      for (const k of ['schema', 'schema-id', 'partition-spec', 'partition-spec-id', 'format-version', 'content', 'avro.codec']) {
        if (mm[k] === undefined) bad(`${mfile}: header lacks ${k}`);
      }
      if (mm['format-version'] !== '2') bad(`${mfile}: format-version ${mm['format-version']}`);
      const mschema = JSON.parse(mm.schema);
      const types = primitiveTypes(mschema);
      // a manifest written by this snapshot describes its entries with the
      // snapshot's schema (spec "Manifests": schema and schema-id headers)
      if (mf.added_snapshot_id === BigInt(snap['snapshot-id']) && snap['schema-id'] !== undefined) {
        if (mm['schema-id'] !== String(snap['schema-id'])) bad(`${mfile}: header schema-id ${mm['schema-id']}, snapshot's schema-id is ${snap['schema-id']}`);
        if (mschema['schema-id'] !== undefined && mschema['schema-id'] !== snap['schema-id']) bad(`${mfile}: header schema has schema-id ${mschema['schema-id']}, snapshot's is ${snap['schema-id']}`);
      }
      expectIds(fieldIds(man.schema), ENTRY_IDS, mfile);
      const count = { 0: [0, 0n], 1: [0, 0n], 2: [0, 0n] };
      let minLive = null;
      for (const e of man.records) {
        const st = e.status;
        if (st !== 2) {
          // a null data sequence number of an ADDED entry is inherited
          const dseq = e.sequence_number === null ? mf.sequence_number : e.sequence_number;
          if (minLive === null || dseq < minLive) minLive = dseq;
        }
        count[st][0]++;
        count[st][1] += e.data_file.record_count;
        if (st !== 2 && mf.content === 0) {
          live['total-data-files']++;
          live['total-records'] += e.data_file.record_count;
          live['total-files-size'] += e.data_file.file_size_in_bytes;
        }
        if (st === 1 && e.snapshot_id !== null && e.snapshot_id !== mf.added_snapshot_id) bad(`${mfile}: ADDED entry of another snapshot`);
        if (st !== 1 && (e.sequence_number === null || e.file_sequence_number === null)) bad(`${mfile}: EXISTING/DELETED entry without sequence numbers`);
        if (st !== 2 && BigInt(snap['snapshot-id']) === BigInt(md['current-snapshot-id'] ?? -1)) {
          const f = local(e.data_file.file_path);
          if (BigInt(statSync(f).size) !== e.data_file.file_size_in_bytes) bad(`${f}: file_size_in_bytes differs from the file`);
          if (files.has(f)) bad(`${f}: listed twice in one snapshot`);
          files.add(f);
        }
        if (e.data_file.file_format.toUpperCase() !== 'PARQUET') bad(`${mfile}: file_format ${e.data_file.file_format}`);
        checkFloatBounds(e.data_file, types, `${mfile}: ${e.data_file.file_path}`);
      }
      // spec "Manifest Lists", field 516: minimum data sequence number of the
      // live (ADDED/EXISTING) files; with none, the manifest's own (Java)
      const wantMin = minLive === null ? mf.sequence_number : minLive;
      if (mf.min_sequence_number !== wantMin) bad(`${mfile}: min_sequence_number ${mf.min_sequence_number}, live files say ${wantMin}`);
      if (count[1][0] !== mf.added_files_count || count[1][1] !== mf.added_rows_count) bad(`${mfile}: added counts differ from the list`);
      if (count[0][0] !== mf.existing_files_count || count[0][1] !== mf.existing_rows_count) bad(`${mfile}: existing counts differ from the list`);
      if (count[2][0] !== mf.deleted_files_count || count[2][1] !== mf.deleted_rows_count) bad(`${mfile}: deleted counts differ from the list`);
    }
    // summary totals are optional (a writer that cannot know them leaves
    // them out, as Java's updateTotal does), but when present they must be
    // the snapshot's live data files
    for (const [k, n] of Object.entries(live)) {
      const v = snap.summary && snap.summary[k];
      if (v !== undefined && BigInt(v) !== n) bad(`snapshot ${snap['snapshot-id']}: summary ${k} is ${v}, its live data files say ${n}`);
    }
  }
  if (errors.length) {
    for (const e of errors) console.error(e);
    process.exit(1);
  }
  console.log(`ok ${(md.snapshots || []).length} snapshots, ${nman} manifests, ${files.size} data files`);
}

main().catch((e) => {
  console.error(`check_avro: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
