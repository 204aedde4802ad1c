"""Shared pieces of the interop tests (tests/interop/test_*.py).

Each test builds fresh warehouses with the real floe binary (build_fixtures),
has one reference implementation (a "peer") read every table, and compares
what the peer sees with what floe says: rows (exact, order-insensitive),
column names and types, snapshots, data files, time travel (by snapshot and
by time), and rows under filters a reader may answer by pruning files with
floe's bounds and null counts.

The other direction has tests of its own: the peers write and floe reads,
floe writes into the peers' tables (test_pyiceberg_tables.py,
test_spark_tables.py, which also has Iceberg Java parse every metadata file
floe wrote and check its metrics and summaries), and floe and PyIceberg
commit to one table at once (test_concurrency.py).

A check that fails because of a known disagreement is listed in the test's
EXPECTED_FAILURES with the text the failure must contain: it then counts as
an expected failure, and a listed check that passes fails the run, so the
list always says exactly what does not interoperate today.
"""

import atexit
import datetime
import decimal
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

import pyarrow.parquet as pq

FLOE = os.environ.get("FLOE")
SOURCE_DIR = os.environ.get("FLOE_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))

# Every peer sees times in UTC (Spark and PySpark turn timestamptz values into
# local wall-clock datetimes).
os.environ["TZ"] = "UTC"
time.tzset()


# --- running checks ---------------------------------------------------------

class Mismatch(AssertionError):
    pass


class Suite:
    """Runs named checks; prints one line per check and a closing count."""

    def __init__(self, peer, expected_failures):
        self.peer = peer
        self.expected = dict(expected_failures)
        self.seen = set()
        self.passed = self.failed = self.xfailed = 0
        self.started = time.time()

    def check(self, name, fn, *args):
        self.seen.add(name)
        try:
            fn(*args)
            err = None
        except Exception as e:  # every failure of a peer is a finding
            err = describe(e)
            if not isinstance(e, Mismatch) and os.environ.get("INTEROP_TRACE"):
                traceback.print_exc()
        want = self.expected.get(name)
        if err is None and want is None:
            self.passed += 1
            print("ok    %s" % name, flush=True)
        elif err is None:
            self.failed += 1
            print("FAIL  %s: listed in EXPECTED_FAILURES but passed; remove it" % name, flush=True)
        elif want is None:
            self.failed += 1
            print("FAIL  %s: %s" % (name, clip(err, 2000)), flush=True)
        elif want in err:
            self.xfailed += 1
            print("xfail %s: %s" % (name, clip(err, 600)), flush=True)
        else:
            self.failed += 1
            print("FAIL  %s: expected failure [%s], got: %s" % (name, want, clip(err, 2000)),
                  flush=True)

    def finish(self):
        for name in sorted(set(self.expected) - self.seen):
            self.failed += 1
            print("FAIL  %s: in EXPECTED_FAILURES but no such check ran" % name)
        print("%s: %d expected failures, %.0f s" % (self.peer, self.xfailed,
                                                     time.time() - self.started))
        print("%d passed, %d failed" % (self.passed + self.xfailed, self.failed))
        sys.exit(1 if self.failed else 0)


def describe(e):
    """An exception in one line (a Mismatch keeps its lines); for a Java
    exception through Py4J, its root cause."""
    if isinstance(e, Mismatch):
        return "Mismatch: %s" % e
    je = getattr(e, "java_exception", None)
    if je is not None:
        while je.getCause() is not None:
            je = je.getCause()
        return "%s: %s" % (type(e).__name__, je.toString())
    lines = [l.strip() for l in str(e).strip().splitlines()]
    return "%s: %s" % (type(e).__name__, " ".join(lines[:4]))


def clip(s, n):
    s = str(s)
    return s if len(s) <= n else s[:n] + "... (%d chars)" % len(s)


# --- floe -------------------------------------------------------------------

class Warehouse:
    """A warehouse floe wrote; what floe says about its tables."""

    def __init__(self, path, cwd=None, fs=False):
        self.path = path
        self.cwd = cwd or path
        self.fs = fs  # floe's hadoop-style catalog, else its SQLite (JDBC) one
        self.catalog = None if fs else os.path.join(path, "catalog.db")
        self._rows = {}

    def floe(self, *args):
        env = dict(os.environ)
        env.pop("FLOE_CATALOG", None)
        if self.fs:
            env["FLOE_CATALOG"] = "fs:"
        env["FLOE_WAREHOUSE"] = self.path
        env["NO_COLOR"] = "1"
        if args and args[0] not in ("query", "tables", "show", "history"):
            self._rows.clear()  # a write: floe's rows change
        p = subprocess.run([FLOE, *args], cwd=self.cwd, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("floe %s: %s" % (" ".join(args)[:200], p.stderr.strip()))
        return p.stdout

    def tables(self):
        return sorted("%s.%s" % (t["namespace"], t["name"])
                      for t in json.loads(self.floe("tables", "--json")))

    def show(self, table):
        return json.loads(self.floe("show", table, "--json"))

    def metadata_path(self, table):
        return file_path(self.show(table)["metadata_location"])

    def metadata(self, table):
        with open(self.metadata_path(table)) as f:
            return json.load(f)

    def history(self, table):
        return json.loads(self.floe("history", table, "--json"))

    def rows(self, table, snapshot_id=None, as_of=None):
        """floe's rows of the table (at a snapshot, or as of a time given as
        'YYYY-MM-DD HH:MM:SS.fff' UTC): a pyarrow Table read from a Parquet
        export that floe's DuckDB writes."""
        key = (table, snapshot_id, as_of)
        if key not in self._rows:
            out = os.path.join(self.path, ".export-%d.parquet" % len(self._rows))
            ns, name = table.rsplit(".", 1)
            args = ["query"]
            if snapshot_id is not None:
                args += ["--as-of-snapshot", str(snapshot_id)]
            if as_of is not None:
                args += ["--as-of", as_of]
            args.append("COPY (SELECT * FROM %s.%s) TO '%s' (FORMAT parquet)"
                        % (quote_ident(ns), quote_ident(name), out))
            self.floe(*args)
            self._rows[key] = pq.read_table(out)
            os.unlink(out)
        return self._rows[key]

    def schema_of(self, table, snapshot_id=None):
        """The Iceberg schema (JSON) the table has at a snapshot, else now."""
        meta = self.metadata(table)
        sid = meta["current-schema-id"]
        for s in meta.get("snapshots", []):
            if s["snapshot-id"] == snapshot_id and "schema-id" in s:
                sid = s["schema-id"]
        return next(s for s in meta["schemas"] if s["schema-id"] == sid)


def quote_ident(s):
    return '"' + s.replace('"', '""') + '"'


def file_path(uri):
    # file:///x as floe writes it, file:/x as Java's Hadoop Path does
    if uri.startswith("file://"):
        return uri[len("file://"):]
    return uri[len("file:"):] if uri.startswith("file:/") else uri


# A dbt project with a table, a view over it and incremental models
# (warehouse `views`).
VIEWS_PROJECT = {
    "dbt_project.yml": "name: views\nversion: '1.0.0'\nconfig-version: 2\nprofile: views\n",
    "profiles.yml": "views:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                    "      path: target/views.duckdb\n      schema: vw\n      threads: 1\n",
    # built after `appended` (it reads it), so the view over it is younger
    # than appended's first snapshot
    "models/base.sql": "{{ config(materialized='table') }}\n"
                       "select * from (select 1 as id, 'a' as name union all select 2, 'b')\n"
                       "where (select count(*) from {{ ref('appended') }}) >= 0\n",
    "models/upper_names.sql": "{{ config(materialized='view') }}\n"
                              "select id, upper(name) as name from {{ ref('base') }}\n",
    # built twice: the second run replaces key 2 and adds key 3 (an
    # overwrite snapshot) and the append-only model gains rows
    # built after `base` (it reads it): only `appended` is older than the view
    "models/merged.sql": "{{ config(materialized='incremental', unique_key='id') }}\n"
                         "select i as id, 'round {{ var('round') }}' as v\n"
                         "from range(1, {{ var('round') }} + 2) t(i)\n"
                         "where (select count(*) from {{ ref('base') }}) >= 0\n"
                         "{% if is_incremental() %} and i >= {{ var('round') }} {% endif %}\n",
    "models/appended.sql": "{{ config(materialized='incremental') }}\n"
                           "select {{ var('round') }} as round, i as n from range(3) t(i)\n",
}
# The views floe wrote into `views`: name -> [(column, Iceberg type)]
VIEWS = {"vw.upper_names": [("id", "int"), ("name", "string")]}


def temp_dir():
    """A fresh temporary directory, removed at exit unless INTEROP_KEEP is
    set."""
    tmp = tempfile.mkdtemp(prefix="floe-interop.")
    if os.environ.get("INTEROP_KEEP"):
        print("warehouses kept in %s" % tmp)
    else:
        atexit.register(shutil.rmtree, tmp, True)
    return tmp


def build_fixtures():
    """Fresh warehouses filled by the real floe: `main` (the Jaffle raw data
    loaded as `make run` loads it, the type matrix, appends, replaces, odd
    names, a nested namespace, a table without snapshot), `jaffle`
    (examples/jaffle_shop built with `floe build`), `views` (a dbt project
    with a view and incremental models, built twice) and `fs` (a few tables in floe's hadoop-style catalog), in a temporary directory removed at exit unless
    INTEROP_KEEP is set. Returns (tmpdir, {name: Warehouse})."""
    if not FLOE:
        sys.exit("FLOE must point at the floe binary")
    tmp = temp_dir()
    main = Warehouse(os.path.join(tmp, "warehouse"), cwd=tmp)
    os.makedirs(main.path, exist_ok=True)
    data = os.path.join(tmp, "data")
    main.floe("generate", "jaffle", "--scale", "1", "--out", data)
    main.floe("namespace", "create", "seeds", "--if-not-exists")
    for t in ("raw_customers", "raw_orders", "raw_payments"):
        main.floe("load", "seeds." + t, os.path.join(data, t + ".csv"), "--replace")
    main.floe("sql", "--file", os.path.join(HERE, "fixtures.sql"))
    # several data files in one snapshot, and a second snapshot
    main.floe("sql", "CREATE TABLE ev.big AS SELECT i AS id, md5(i::VARCHAR) AS h FROM range(1000) t(i)")
    main.floe("properties", "ev.big", "--set", "write.target-file-size-bytes=200000")
    main.floe("sql", "INSERT INTO ev.big SELECT i, md5(i::VARCHAR) || repeat('p', i % 50) "
              "FROM range(1000, 300000) t(i)")

    # a table in a nested namespace
    main.floe("namespace", "create", "deep")
    main.floe("namespace", "create", "deep.er")
    main.floe("sql", "CREATE TABLE deep.er.t AS SELECT 1 AS id, 'one' AS s")
    main.floe("sql", "INSERT INTO deep.er.t SELECT 2, 'two'")

    # a dbt view model: an Iceberg view (iceberg_type VIEW) in the catalog,
    # in a warehouse of its own: `floe query --as-of` a time before the view's
    # table existed fails in a catalog that has the view
    proj = os.path.join(tmp, "views_project")
    os.makedirs(os.path.join(proj, "models"))
    for f, text in VIEWS_PROJECT.items():
        with open(os.path.join(proj, f), "w") as out:
            out.write(text)
    views = Warehouse(os.path.join(proj, "warehouse"), cwd=proj)
    views.floe("build", "--vars", "{round: 1}")
    views.floe("build", "--vars", "{round: 2}")

    proj = os.path.join(tmp, "jaffle_shop")
    shutil.copytree(os.path.join(SOURCE_DIR, "examples", "jaffle_shop"), proj,
                    ignore=shutil.ignore_patterns("target", "logs", "warehouse", "*.csv"))
    jaffle = Warehouse(os.path.join(proj, "warehouse"), cwd=proj)
    jaffle.floe("generate", "jaffle", "--scale", "1", "--out", os.path.join(proj, "seeds"))
    jaffle.floe("build")

    fs = Warehouse(os.path.join(tmp, "fs_warehouse"), cwd=tmp, fs=True)
    os.makedirs(fs.path)
    fs.floe("sql", "--file", os.path.join(HERE, "fixtures_fs.sql"))
    return tmp, {"main": main, "jaffle": jaffle, "views": views, "fs": fs}


# --- comparing values -------------------------------------------------------

DEC_CTX = decimal.Context(prec=100)


def canon(v, t):
    """A value (as pyarrow, PySpark or DuckDB hands it out) in one form per
    Iceberg type t, comparable across peers and exact."""
    if v is None:
        return None
    if isinstance(t, dict):
        kind = t["type"]
        if kind == "list":
            return ("list", tuple(canon(x, t["element"]) for x in v))
        if kind == "map":
            if isinstance(v, dict):
                if set(v) == {"key", "value"} and isinstance(v["key"], list):
                    items = zip(v["key"], v["value"])  # DuckDB's MAP as a dict
                else:
                    items = v.items()
            else:
                items = [(x["key"], x["value"]) if isinstance(x, dict) else tuple(x) for x in v]
            return ("map", tuple(sorted(((canon(k, t["key"]), canon(x, t["value"]))
                                         for k, x in items), key=repr)))
        if kind == "struct":
            return ("struct", tuple(canon(field_of(v, f["name"], i), f["type"])
                                    for i, f in enumerate(t["fields"])))
        raise ValueError("unknown type %r" % t)
    if t == "boolean":
        return bool(v)
    if t in ("int", "long"):
        return int(v)
    if t in ("float", "double"):
        v = float(v)
        return "NaN" if math.isnan(v) else repr(v)
    if t.startswith("decimal"):
        scale = int(t[t.index(",") + 1:-1])
        return str(DEC_CTX.quantize(decimal.Decimal(v), decimal.Decimal(1).scaleb(-scale)))
    if t == "string":
        return str(v)
    if t == "uuid":
        if isinstance(v, (bytes, bytearray)):
            return str(uuid.UUID(bytes=bytes(v)))
        return str(uuid.UUID(str(v)))
    if t == "binary" or t.startswith("fixed"):
        return bytes(v).hex()
    if t == "date":
        return v.isoformat()
    if t == "time":
        return v.isoformat(timespec="microseconds")
    if t == "timestamp":
        if getattr(v, "tzinfo", None) is not None:
            return "zoned " + v.isoformat()
        return v.isoformat(timespec="microseconds")
    if t == "timestamptz":
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.isoformat(timespec="microseconds") + "Z"
    raise ValueError("unknown type %r" % t)


def field_of(v, name, i):
    if isinstance(v, dict):
        return v[name]
    if hasattr(v, "asDict"):  # pyspark Row
        return v[i]
    return v[i]


def canon_rows(rows, schema):
    """rows: sequence of tuples in schema field order."""
    fields = schema["fields"]
    out = []
    for r in rows:
        if len(r) != len(fields):
            raise Mismatch("row has %d values, schema %d fields" % (len(r), len(fields)))
        out.append(tuple(canon(x, f["type"]) for x, f in zip(r, fields)))
    return out


def arrow_rows(table):
    cols = [c.to_pylist() for c in table.columns]
    return list(zip(*cols)) if cols else []


def compare_rows(floe_rows, peer_rows, schema, what="rows"):
    """Multiset equality of canonical rows; a Mismatch names the columns whose
    values differ (as multisets) and a few rows that only one side has."""
    a = sorted(floe_rows, key=repr)
    b = sorted(peer_rows, key=repr)
    if a == b:
        return
    from collections import Counter
    ca, cb = Counter(map(repr, a)), Counter(map(repr, b))
    only_floe = list((ca - cb).elements())
    only_peer = list((cb - ca).elements())
    cols = [f["name"] for i, f in enumerate(schema["fields"])
            if len(a) != len(b) or
            sorted(repr(r[i]) for r in a) != sorted(repr(r[i]) for r in b)]
    msg = "%s differ in columns %s: floe %d rows, peer %d" % (what, cols, len(a), len(b))
    for label, rows in (("only in floe", only_floe), ("only in peer", only_peer)):
        for r in rows[:3]:
            msg += "\n      %s: %s" % (label, clip(r, 400))
        if len(rows) > 3:
            msg += "\n      ... %d more %s" % (len(rows) - 3, label)
    raise Mismatch(msg)


def expect_equal(what, want, got):
    if want != got:
        raise Mismatch("%s: floe %s, peer %s" % (what, clip(want, 800), clip(got, 800)))


def floe_canon(wh, table, snapshot_id=None, as_of=None):
    """floe's rows in canonical form, and the schema they have: that of the
    snapshot (for as_of, snapshot_id names the snapshot it should pick)."""
    schema = wh.schema_of(table, snapshot_id)
    t = wh.rows(table, None if as_of else snapshot_id, as_of)
    expect_equal("floe's export columns", [f["name"] for f in schema["fields"]], t.column_names)
    return canon_rows(arrow_rows(t), schema), schema


def data_files_check(wh, table, files):
    """files: [(file_path, record_count, file_size_in_bytes)] as a peer lists
    the current snapshot's data files; they must be what floe's snapshot
    summary counts and match the files on disk."""
    hist = wh.history(table)
    cur = [h for h in hist if h["current"]]
    summary = cur[0]["summary"] if cur else {}
    expect_equal("data files", int(summary.get("total-data-files", 0)), len(files))
    expect_equal("records", int(summary.get("total-records", 0)), sum(f[1] for f in files))
    expect_equal("records in floe's rows", wh.rows(table).num_rows, sum(f[1] for f in files))
    for path, count, size in files:
        p = file_path(path)
        expect_equal("size of " + p, os.path.getsize(p), size)
        expect_equal("rows of " + p, pq.ParquetFile(p).metadata.num_rows, count)


def snapshots_check(wh, table, peer_snapshots):
    """peer_snapshots: [(snapshot_id, parent_id, operation)] in any order."""
    want = sorted(((h["snapshot_id"], h["parent_id"], h["operation"]) for h in wh.history(table)),
                  key=repr)
    expect_equal("snapshots (id, parent, operation)", want, sorted(peer_snapshots, key=repr))


# tables with one row per data file, filtered on every value
EVERY_VALUE = {"ty.strings"}


def filter_cases(wh, table):
    """Filters a reader may answer by pruning data files (and row groups)
    with floe's bounds and null counts: for each top-level primitive column,
    `= its smallest value`, `= its largest value` and `IS NULL`, selecting
    that column only. Returns [(field, case, value, schema of the column,
    floe's matching rows)], value None for IS NULL; a wrong bound or count
    makes a pruning reader lose rows."""
    schema = wh.schema_of(table)
    raw = arrow_rows(wh.rows(table))
    cases = []
    for i, f in enumerate(schema["fields"]):
        if isinstance(f["type"], dict):
            continue
        vals = [r[i] for r in raw if r[i] is not None
                and not (isinstance(r[i], float) and math.isnan(r[i]))]
        todo = [("min", min(vals, default=None)), ("max", max(vals, default=None)),
                ("null", None)]
        if table in EVERY_VALUE:  # one row per file: `= each value` (by its row's id)
            todo = [("value of id %d" % r[0], r[i]) for r in sorted(raw)
                    if r[i] is not None] + [("null", None)]
        for case, v in todo:
            if case != "null" and (v is None or (isinstance(v, (str, bytes)) and len(v) > 1000)):
                continue
            want = [(canon(r[i], f["type"]),) for r in raw
                    if (r[i] is None if v is None else r[i] is not None and r[i] == v)]
            cases.append((f, case, v, {"fields": [f]}, want))
    return cases


def filter_label(field, case):
    return "where %s %s" % (field["name"], "is null" if case == "null" else "= " + case)


def as_of_times(wh, table):
    """For a table with more than one snapshot: [(ordinal, snapshot id,
    epoch ms, 'YYYY-MM-DD HH:MM:SS.fff')] at each snapshot's own timestamp,
    at which time travel by time must pick that snapshot."""
    hist = wh.history(table)
    if len(hist) < 2:
        return []
    out = []
    for i, h in enumerate(hist, 1):
        ms = h["timestamp_ms"]
        t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
        out.append((i, h["snapshot_id"], ms, t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]))
    return out
