"""bench/peers: floe against the other Iceberg implementations of the interop
suite on the same 10M-row table (bench/run.sh's: i, i % 1000, 'item-' ||
(i % 10000), i * 0.5), in one run, repetitions interleaved, medians.

read:  SELECT count(*), sum(i), avg(d), max(s), count(DISTINCT k) over the
       table floe wrote, through
         floe      `floe query` (a process: catalog, metadata, DuckDB)
         Spark     spark.sql(...).collect() in a warm session (Iceberg Java,
                   JDBC catalog over the same SQLite file)
         PyIceberg load_table + scan().to_arrow() + the aggregate in pyarrow
         DuckDB    iceberg_scan('<metadata file>') in a warm connection
       Every reader's answer must equal floe's.
write: the same 10M rows appended to an empty table of the same schema by
         floe      `floe sql "INSERT INTO ... <query>"` (DuckDB computes)
         PyIceberg table.append(<the rows as an Arrow table, made
                   beforehand, not timed>)
         Spark     INSERT INTO ... SELECT from range() (Spark computes)
       Each written table must then hold the rows.

usage: bench/peers.sh [path/to/floe]   (REPS, ROWS from the environment)
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

FLOE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/floe")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
os.environ.setdefault("FLOE_INTEROP_DIR", os.path.join(ROOT, ".interop"))
os.environ["FLOE"] = FLOE  # for the interop module's Warehouse
REPS = int(os.environ.get("REPS", "3"))
ROWS = int(os.environ.get("ROWS", "10000000"))
Q = ("SELECT i, i %% 1000 AS k, 'item-' || (i %% 10000) AS s, i * 0.5 AS d "
     "FROM range(%d) t(i)" % ROWS)
AGG = "count(*), sum(i), avg(d), max(s), count(DISTINCT k)"


def floe(wh, *args):
    env = dict(os.environ, FLOE_WAREHOUSE=wh, NO_COLOR="1")
    env.pop("FLOE_CATALOG", None)
    p = subprocess.run([FLOE, *args], env=env, capture_output=True, text=True)
    if p.returncode:
        sys.exit("floe %s: %s" % (" ".join(args)[:100], p.stderr))
    return p.stdout


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def canon(row):
    count, s, avg, mx, distinct = row
    return (int(count), int(s), round(float(avg), 6), str(mx), int(distinct))


def main():
    import json

    import pyarrow as pa
    import pyarrow.compute as pc
    from pyiceberg.catalog.sql import SqlCatalog

    from test_duckdb import connect
    from test_spark import spark_session
    from interop import Warehouse

    tmp = tempfile.mkdtemp(prefix="floe-bench-peers.")
    try:
        wh = os.path.join(tmp, "wh")
        os.makedirs(wh)
        print("machine: %d cores, %.0f GiB, %s" % (
            os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            " ".join(os.uname()[i] for i in (0, 2))))
        print("rows: %d, repetitions: %d" % (ROWS, REPS), flush=True)
        floe(wh, "namespace", "create", "bench")
        floe(wh, "sql", "CREATE TABLE bench.big AS " + Q)

        t0 = time.perf_counter()
        base = spark_session(tmp)
        spark = base.newSession()
        c = "spark.sql.catalog.floe"
        for k, v in (("", "org.apache.iceberg.spark.SparkCatalog"), (".type", "jdbc"),
                     (".uri", "jdbc:sqlite:" + os.path.join(wh, "catalog.db")),
                     (".warehouse", wh), (".jdbc.schema-version", "V1")):
            spark.conf.set(c + k, v)
        spark.sql("SELECT count(*) FROM floe.bench.big").collect()  # warm: JIT, catalog
        spark_start = (time.perf_counter() - t0) * 1000
        cat = SqlCatalog("floe", uri="sqlite:///" + os.path.join(wh, "catalog.db"),
                         warehouse="file://" + wh)
        con = connect()
        meta = Warehouse(wh).metadata_path("bench.big")

        def r_floe():
            out = json.loads(floe(wh, "query", "--json", "SELECT %s FROM bench.big" % AGG))
            return canon(list(out[0].values()))

        def r_spark():
            return canon(tuple(spark.sql("SELECT %s FROM floe.bench.big" % AGG).collect()[0]))

        def r_pyiceberg():
            t = cat.load_table("bench.big").scan().to_arrow()
            return canon((t.num_rows, pc.sum(t["i"]).as_py(), pc.mean(pc.cast(t["d"], pa.float64())).as_py(),
                          pc.max(t["s"]).as_py(), pc.count_distinct(t["k"]).as_py()))

        def r_duckdb():
            return canon(con.execute("SELECT %s FROM iceberg_scan('%s')" % (AGG, meta)).fetchone())

        readers = [("floe", r_floe), ("Spark", r_spark), ("PyIceberg", r_pyiceberg),
                   ("DuckDB iceberg_scan", r_duckdb)]
        times = {n: [] for n, _ in readers}
        want = None
        for _ in range(REPS):
            for name, fn in readers:
                ms, got = timed(fn)
                want = want or got
                if got != want:
                    sys.exit("%s answers %r, floe %r" % (name, got, want))
                times[name].append(ms)
        print("read: SELECT %s (answer %r)" % (AGG, want))
        f = statistics.median(times["floe"])
        for name, _ in readers:
            m = statistics.median(times[name])
            print("  %-20s %9.1f ms  ratio %6.2f" % (name, m, m / f))
        print("  (Spark session start and first query, untimed above: %.0f ms)" % spark_start,
              flush=True)

        # write: empty tables of bench.big's schema, one per writer and repetition
        rows = con.execute(Q).arrow()
        if isinstance(rows, pa.RecordBatchReader):
            rows = rows.read_all()
        schema = cat.load_table("bench.big").schema().as_arrow()
        rows = rows.cast(schema)

        def w_floe(t):
            floe(wh, "sql", "INSERT INTO bench.%s %s" % (t, Q))

        def w_pyiceberg(t):
            cat.load_table("bench." + t).append(rows)

        def w_spark(t):
            spark.sql("INSERT INTO floe.bench.%s SELECT id, id %% 1000, "
                      "concat('item-', CAST(id %% 10000 AS STRING)), id * 0.5 FROM range(%d)"
                      % (t, ROWS)).collect()

        writers = [("floe", w_floe), ("PyIceberg", w_pyiceberg), ("Spark", w_spark)]
        wtimes = {n: [] for n, _ in writers}
        for r in range(REPS):
            for name, fn in writers:
                t = "w_%s_%d" % (name.lower(), r)
                if name == "Spark":  # floe cannot read the file: URIs Spark's commits to
                    # floe's tables record (test_spark_tables.py): Spark makes its own
                    spark.sql("CREATE TABLE floe.bench.%s USING iceberg AS SELECT * FROM "
                              "floe.bench.big WHERE false" % t)
                else:
                    floe(wh, "sql", "CREATE TABLE bench.%s AS SELECT * FROM bench.big "
                                    "WHERE false" % t)
                ms, _ = timed(lambda: fn(t))
                n = con.execute("SELECT count(*) FROM iceberg_scan('%s')"
                                % Warehouse(wh).metadata_path("bench." + t)).fetchone()[0]
                if n != ROWS:
                    sys.exit("%s wrote %d rows, not %d" % (name, n, ROWS))
                wtimes[name].append(ms)
        print("write: %d rows appended to an empty table" % ROWS)
        f = statistics.median(wtimes["floe"])
        for name, _ in writers:
            m = statistics.median(wtimes[name])
            print("  %-20s %9.1f ms  ratio %6.2f" % (name, m, m / f))
        base.stop()
    finally:
        shutil.rmtree(tmp, True)


if __name__ == "__main__":
    main()
