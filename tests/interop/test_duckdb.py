"""floe -> DuckDB's iceberg extension: iceberg_scan of each table's current
metadata file must return floe's rows, under the same column names and the
DuckDB types of the Iceberg types; iceberg_snapshots and iceberg_metadata
must list floe's snapshots and data files; snapshot_from_id and
snapshot_from_timestamp give floe's --as-of-snapshot and --as-of rows;
filters it may answer by pruning with floe's bounds keep every row; an fs
catalog table also reads by its location (version-hint.text).

The extensions come from the pinned duckdb-ext-* wheels, whose files sit in
DuckDB's extension directory layout; they load with signature checking on."""

import os
import sys
import sysconfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop import (Mismatch, Suite, arrow_rows, build_fixtures, canon_rows,  # noqa: E402
                     compare_rows, data_files_check, expect_equal, file_path,
                     filter_cases, filter_label, floe_canon, quote_ident, as_of_times)

import duckdb  # noqa: E402

# check name -> text the peer's failure contains. A listed check that passes
# fails the run, so this is exactly what does not interoperate today.
EXPECTED_FAILURES = {
}


def connect():
    ext_dir = os.path.join(sysconfig.get_paths()["purelib"], "duckdb_ext", "extensions")
    con = duckdb.connect(config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": True,
        "allow_unsigned_extensions": False,
        "extension_directory": ext_dir,
    })
    con.execute("LOAD iceberg")
    con.execute("SET TimeZone = 'UTC'")
    return con


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def duckdb_type(t):
    """The DuckDB type the iceberg extension gives an Iceberg type."""
    if isinstance(t, dict):
        if t["type"] == "list":
            return duckdb_type(t["element"]) + "[]"
        if t["type"] == "map":
            return "MAP(%s, %s)" % (duckdb_type(t["key"]), duckdb_type(t["value"]))
        return "STRUCT(%s)" % ", ".join("%s %s" % (f["name"], duckdb_type(f["type"]))
                                        for f in t["fields"])
    simple = {"boolean": "BOOLEAN", "int": "INTEGER", "long": "BIGINT", "float": "FLOAT",
              "double": "DOUBLE", "date": "DATE", "time": "TIME", "timestamp": "TIMESTAMP",
              "timestamptz": "TIMESTAMP WITH TIME ZONE", "string": "VARCHAR", "uuid": "UUID",
              "binary": "BLOB"}
    if t in simple:
        return simple[t]
    if t.startswith("decimal"):
        return "DECIMAL(%s)" % t[t.index("(") + 1:-1].replace(" ", "")
    raise ValueError(t)


def main():
    tmp, warehouses = build_fixtures()
    suite = Suite("duckdb-iceberg", EXPECTED_FAILURES)
    con = connect()
    suite.check("extension loaded signed", lambda: expect_equal(
        "loaded iceberg, allow_unsigned_extensions", [(True, False)],
        con.execute("SELECT loaded, current_setting('allow_unsigned_extensions') "
                    "FROM duckdb_extensions() WHERE extension_name = 'iceberg'").fetchall()))
    for wname, wh in warehouses.items():
        for name in wh.tables():
            check_table(suite, con, wh, "%s/%s" % (wname, name), name)
    suite.finish()


def check_table(suite, con, wh, label, name):
    meta = sql_str(wh.metadata_path(name))

    def columns():
        schema = wh.schema_of(name)
        got = con.execute("DESCRIBE SELECT * FROM iceberg_scan(%s)" % meta).fetchall()
        # DuckDB quotes struct field names that are keywords or not plain
        expect_equal("columns", [(f["name"], duckdb_type(f["type"])) for f in schema["fields"]],
                     [(r[0], r[1].replace('"', "")) for r in got])
    suite.check(label + ": columns", columns)

    def rows():
        want, schema = floe_canon(wh, name)
        got = con.execute("SELECT * FROM iceberg_scan(%s)" % meta).fetch_arrow_table()
        compare_rows(want, canon_rows(arrow_rows(got), schema), schema)
    suite.check(label + ": rows", rows)

    hist = wh.history(name)

    if wh.fs:
        def by_location():
            # the table's folder: DuckDB follows metadata/version-hint.text
            want, schema = floe_canon(wh, name)
            loc = sql_str(file_path(wh.show(name)["location"]))
            got = con.execute("SELECT * FROM iceberg_scan(%s)" % loc).fetch_arrow_table()
            compare_rows(want, canon_rows(arrow_rows(got), schema), schema)
        suite.check(label + ": rows by table location", by_location)

    def snapshots():
        got = con.execute("SELECT snapshot_id, sequence_number FROM iceberg_snapshots(%s)"
                          % meta).fetchall()
        expect_equal("snapshots (id, sequence number)",
                     sorted((h["snapshot_id"], h["sequence_number"]) for h in hist), sorted(got))
    suite.check(label + ": snapshots", snapshots)

    def files():
        got = con.execute("SELECT status, content, file_path, record_count FROM "
                          "iceberg_metadata(%s)" % meta).fetchall()
        live = [r for r in got if r[0] != "DELETED"]
        # DuckDB 1.4.4 prints a data file's content (0) as 'EXISTING'
        if any(r[1] not in ("EXISTING", "DATA") for r in live):
            raise Mismatch("not a data file: %r" % [r[1] for r in live])
        data_files_check(wh, name, [(r[2], r[3], os.path.getsize(file_path(r[2]))) for r in live])
    suite.check(label + ": files", files)

    if label.startswith("main/"):
        for field, case, value, schema, want in filter_cases(wh, name):
            def filtered(col=quote_ident(field["name"]), value=value, schema=schema, want=want):
                if value is None:
                    got = con.execute("SELECT %s FROM iceberg_scan(%s) WHERE %s IS NULL"
                                      % (col, meta, col))
                else:
                    got = con.execute("SELECT %s FROM iceberg_scan(%s) WHERE %s = ?"
                                      % (col, meta, col), [value])
                compare_rows(want, canon_rows(arrow_rows(got.fetch_arrow_table()), schema), schema)
            suite.check("%s: %s" % (label, filter_label(field, case)), filtered)

    for i, h in enumerate(hist, 1):
        def at_snapshot(sid=h["snapshot_id"]):
            want, schema = floe_canon(wh, name, sid)
            got = con.execute("SELECT * FROM iceberg_scan(%s, snapshot_from_id => %d)"
                              % (meta, sid)).fetch_arrow_table()
            expect_equal("columns", [f["name"] for f in schema["fields"]], got.column_names)
            compare_rows(want, canon_rows(arrow_rows(got), schema), schema,
                         "rows at snapshot %d" % sid)
        suite.check("%s: snapshot %d rows" % (label, i), at_snapshot)

    for i, sid, ms, text in as_of_times(wh, name):
        def as_of(sid=sid, text=text):
            want, schema = floe_canon(wh, name, sid, as_of=text)
            got = con.execute("SELECT * FROM iceberg_scan(%s, snapshot_from_timestamp => "
                              "TIMESTAMP '%s')" % (meta, text)).fetch_arrow_table()
            compare_rows(want, canon_rows(arrow_rows(got), schema), schema, "rows as of " + text)
        suite.check("%s: as of snapshot %d's time" % (label, i), as_of)


if __name__ == "__main__":
    main()
