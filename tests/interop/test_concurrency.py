"""floe and PyIceberg commit to the same table at once, in the same SQLite
catalog (the Iceberg JDBC layout): WRITERS floe processes, each running
COMMITS INSERT statements (one `floe sql --file`), and WRITERS PyIceberg
processes, each making COMMITS appends, all started together. Every commit
must land exactly once or fail cleanly (an error, nothing of it in the
table; the writer then makes it again: a new `floe sql` run from that
statement on, or a new PyIceberg append): the snapshot count is exact, the snapshots form one chain (every
parent is the snapshot before it, sequence numbers 1..n without a gap),
every row of every landed commit is there once, and floe and PyIceberg read
the same rows. Both sides must have met conflicts and retried: floe
(`--verbose`: "commit ... (N attempts)") and PyIceberg (its SqlCatalog
refusing a commit, counted by kind: "Requirement failed" against the
current metadata, or "updated by another process" when the compare-and-swap
UPDATE of metadata_location changed no row; PyIceberg's transaction then
refreshes and retries by itself). Before the race, a PyIceberg append on a
table floe has moved since PyIceberg loaded it must be refused once and
then land on top of floe's commit."""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop import (FLOE, Mismatch, Suite, Warehouse, arrow_rows, expect_equal,  # noqa: E402
                     temp_dir)

WRITERS = int(os.environ.get("INTEROP_WRITERS", "4"))
COMMITS = int(os.environ.get("INTEROP_COMMITS", "25"))
TABLE = "cc.t"

# check name -> text the failure contains (see interop.py)
EXPECTED_FAILURES = {}


def catalog(wh, seen=None):
    """PyIceberg's SqlCatalog over the warehouse's catalog. With a dict
    `seen`, every commit the catalog refuses is counted there by kind:
    "requirement" (checked against the current metadata before the swap)
    or "swap" (the compare-and-swap UPDATE of metadata_location changed no
    row); PyIceberg's transaction then refreshes and retries by itself."""
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.exceptions import CommitFailedException
    cat = SqlCatalog("floe", uri="sqlite:///" + wh.catalog, warehouse="file://" + wh.path)
    if seen is not None:
        commit = cat.commit_table

        def counted(*args, **kw):
            try:
                return commit(*args, **kw)
            except CommitFailedException as e:
                kind = ("requirement" if "Requirement failed" in str(e) else
                        "swap" if "updated by another process" in str(e) else "other")
                seen[kind] = seen.get(kind, 0) + 1
                raise
        cat.commit_table = counted
    return cat


def arrow_batch(writer, i):
    import pyarrow as pa
    return pa.table({"writer": pa.array([writer], pa.string()),
                     "i": pa.array([i], pa.int32()),
                     "n": pa.array([i * 1000 + 7], pa.int64())})


def worker(wh_path, wid, go):
    """One PyIceberg writer: COMMITS appends, each retried until it lands;
    prints a JSON summary."""
    from pyiceberg.exceptions import CommitFailedException
    from sqlalchemy.exc import OperationalError
    wh = Warehouse(wh_path)
    stats = {"landed": 0, "requirement": 0, "swap": 0, "locked": 0, "gave_up": 0, "other": []}
    seen = {}
    cat = catalog(wh, seen)
    cat.load_table(TABLE)  # warm up: imports, the catalog's engine
    open(go + ".ready-%d" % wid, "w").close()
    while not os.path.exists(go):
        time.sleep(0.005)
    name = "py-%d" % wid
    for i in range(COMMITS):
        for _ in range(200):
            try:
                cat.load_table(TABLE).append(arrow_batch(name, i))
                stats["landed"] += 1
                break
            except CommitFailedException:  # PyIceberg's own retries ran out
                stats["gave_up"] += 1
            except OperationalError as e:  # SQLite busy beyond its timeout
                if "locked" not in str(e):
                    raise
                stats["locked"] += 1
            time.sleep(0.001)
        else:
            stats["other"].append("append %d never landed" % i)
    stats["requirement"] = seen.pop("requirement", 0)
    stats["swap"] = seen.pop("swap", 0)
    stats["other"] += ["%d refusals: %s" % (n, k) for k, n in seen.items()]
    print(json.dumps(stats))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        return worker(sys.argv[2], int(sys.argv[3]), os.environ["INTEROP_GO"])
    if not FLOE:
        sys.exit("FLOE must point at the floe binary")
    tmp = temp_dir()
    suite = Suite("concurrency", EXPECTED_FAILURES)
    wh = Warehouse(os.path.join(tmp, "warehouse"), cwd=tmp)
    os.makedirs(wh.path)
    wh.floe("namespace", "create", "cc")
    wh.floe("sql", "CREATE TABLE %s AS SELECT 'init' AS writer, 0 AS i, 7::BIGINT AS n" % TABLE)

    def stale_append_refused():
        # PyIceberg holds the table, floe commits: PyIceberg's append on the
        # table it holds must be refused (its requirement: main is still the
        # snapshot it read); PyIceberg then reloads and commits on top, so
        # both land, floe's first
        seen = {}
        t = catalog(wh, seen).load_table(TABLE)
        before = wh.metadata(TABLE)["current-snapshot-id"]
        wh.floe("sql", "INSERT INTO %s SELECT 'floe-stale', 0, 7" % TABLE)
        floe_snap = wh.metadata(TABLE)["current-snapshot-id"]
        t.append(arrow_batch("py-stale", 0))
        expect_equal("refusals", {"requirement": 1}, seen)
        meta = wh.metadata(TABLE)
        snaps = {s["snapshot-id"]: s for s in meta["snapshots"]}
        cur = snaps[meta["current-snapshot-id"]]
        expect_equal("parents", (floe_snap, before),
                     (cur.get("parent-snapshot-id"), snaps[floe_snap].get("parent-snapshot-id")))
    suite.check("stale PyIceberg append: refused, then on top of floe's commit",
                stale_append_refused)

    # the race
    go = os.path.join(tmp, "go")
    env = dict(os.environ, INTEROP_GO=go)
    pys = [subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", wh.path,
                             str(w)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True) for w in range(WRITERS)]
    deadline = time.time() + 120
    while sum(os.path.exists(go + ".ready-%d" % w) for w in range(WRITERS)) < WRITERS:
        if time.time() > deadline or any(p.poll() is not None for p in pys):
            break
        time.sleep(0.01)
    fenv = dict(os.environ, FLOE_WAREHOUSE=wh.path, NO_COLOR="1")
    fenv.pop("FLOE_CATALOG", None)
    floe_runs = [[] for _ in range(WRITERS)]  # per writer: [(returncode, stderr)]

    def floe_writer(w):
        """COMMITS INSERTs in one `floe sql --file`; when floe gives up on a
        statement (a clean failure: it lost MAX_ATTEMPTS races), a new run
        takes the statements from that one on."""
        done = 0
        while done < COMMITS and len(floe_runs[w]) < 20:
            f = os.path.join(tmp, "floe-%d-%d.sql" % (w, len(floe_runs[w])))
            with open(f, "w") as out:
                for i in range(done, COMMITS):
                    out.write("INSERT INTO %s SELECT 'floe-%d', %d, %d;\n"
                              % (TABLE, w, i, i * 1000 + 7))
            p = subprocess.run([FLOE, "--verbose", "sql", "--file", f], cwd=tmp, env=fenv,
                               capture_output=True, text=True)
            floe_runs[w].append((p.returncode, p.stderr))
            done += len(re.findall(r"inserted into %s: 1 rows" % re.escape(TABLE), p.stderr))

    import threading
    threads = [threading.Thread(target=floe_writer, args=(w,)) for w in range(WRITERS)]
    started = time.time()
    open(go, "w").close()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pouts = [p.communicate() for p in pys]
    elapsed = time.time() - started

    landed = {}  # writer -> set of i that landed
    floe_retried = floe_extra = floe_gave_up = 0
    errors = []
    for w, runs in enumerate(floe_runs):
        n = 0
        for rc, err in runs:
            ok = re.findall(r"inserted into %s: 1 rows" % re.escape(TABLE), err)
            attempts = [int(a) for a in re.findall(r"commit [0-9.]+ ms \((\d+) attempts?\)", err)]
            floe_retried += sum(a > 1 for a in attempts)
            floe_extra += sum(a - 1 for a in attempts)
            n += len(ok)
            if len(attempts) != len(ok):
                errors.append("floe-%d: %d commits logged, %d inserts" % (w, len(attempts), len(ok)))
            if rc != 0:
                last = err.strip().splitlines()[-1:]
                if "gave up after" not in "".join(last):
                    errors.append("floe-%d: exit %d: %s" % (w, rc, last))
                floe_gave_up += 1
        landed["floe-%d" % w] = set(range(n))  # statements run in order
    py = {"landed": 0, "requirement": 0, "swap": 0, "locked": 0, "gave_up": 0}
    for w, (p, (out, err)) in enumerate(zip(pys, pouts)):
        if p.returncode != 0:
            errors.append("py-%d: exit %d: %s" % (w, p.returncode, err.strip()[-800:]))
            continue
        s = json.loads(out.strip().splitlines()[-1])
        for k in py:
            py[k] += s[k]
        errors += ["py-%d: %s" % (w, x) for x in s["other"]] if isinstance(s["other"], list) else []
        landed["py-%d" % w] = set(range(s["landed"]))
    total = sum(len(v) for v in landed.values())
    print("race: %d floe x %d INSERTs, %d PyIceberg x %d appends, %.1f s: %d commits landed; "
          "floe retried %d commits (%d extra attempts) and gave up on %d; PyIceberg's "
          "catalog refused %d commits on their requirement and %d on the compare-and-swap, "
          "%d appends ran out of retries, SQLite busy %d times"
          % (WRITERS, COMMITS, WRITERS, COMMITS, elapsed, total, floe_retried, floe_extra,
             floe_gave_up, py["requirement"], py["swap"], py["gave_up"], py["locked"]),
          flush=True)

    def all_landed():
        if errors:
            raise Mismatch("; ".join(errors))
        expect_equal("commits landed", 2 * WRITERS * COMMITS, total)
    suite.check("race: every commit lands", all_landed)

    def snapshots():
        meta = wh.metadata(TABLE)
        snaps = sorted(meta["snapshots"], key=lambda s: s["sequence-number"])
        # create, the stale-table check's two commits, the race
        expect_equal("snapshots", 3 + total, len(snaps))
        expect_equal("sequence numbers", list(range(1, len(snaps) + 1)),
                     [s["sequence-number"] for s in snaps])
        for prev, s in zip(snaps, snaps[1:]):
            if s.get("parent-snapshot-id") != prev["snapshot-id"]:
                raise Mismatch("snapshot %d (sequence %d) has parent %s, not %d" % (
                    s["snapshot-id"], s["sequence-number"], s.get("parent-snapshot-id"),
                    prev["snapshot-id"]))
        expect_equal("current snapshot", snaps[-1]["snapshot-id"], meta["current-snapshot-id"])
        expect_equal("snapshot-log", [s["snapshot-id"] for s in snaps],
                     [e["snapshot-id"] for e in meta["snapshot-log"]])
        expect_equal("total-records", str(3 + total), snaps[-1]["summary"]["total-records"])
    suite.check("race: one chain of snapshots", snapshots)

    def rows():
        t = wh.rows(TABLE)
        got = sorted((r[0], r[1], r[2]) for r in arrow_rows(t))
        want = sorted([("init", 0, 7), ("floe-stale", 0, 7), ("py-stale", 0, 7)] +
                      [(wname, i, i * 1000 + 7) for wname, idx in landed.items() for i in idx])
        if got != want:
            from collections import Counter
            extra = list((Counter(got) - Counter(want)).elements())
            lost = list((Counter(want) - Counter(got)).elements())
            raise Mismatch("floe reads %d rows, %d landed; extra %s, lost %s" % (
                len(got), len(want), extra[:5], lost[:5]))
        py_rows = sorted(tuple(r) for r in arrow_rows(
            catalog(wh).load_table(TABLE).scan().to_arrow().select(["writer", "i", "n"])))
        expect_equal("PyIceberg's rows", got, py_rows)
    suite.check("race: no row lost or doubled, both read the same", rows)

    def both_retried():
        if floe_retried == 0:
            raise Mismatch("floe retried no commit")
        if py["requirement"] + py["swap"] == 0:
            raise Mismatch("PyIceberg met no conflict")
    suite.check("race: both sides met conflicts and retried", both_retried)

    def catalog_row():
        import sqlite3
        db = sqlite3.connect(wh.catalog)
        cur, prev = db.execute(
            "SELECT metadata_location, previous_metadata_location FROM iceberg_tables "
            "WHERE catalog_name = 'floe' AND table_namespace = 'cc' AND table_name = 't'").fetchone()
        db.close()
        meta = wh.metadata(TABLE)
        expect_equal("previous_metadata_location", meta["metadata-log"][-1]["metadata-file"], prev)
        expect_equal("metadata_location", wh.show(TABLE)["metadata_location"], cur)
        # every metadata file of the log exists and names its predecessor
        for i, e in enumerate(meta["metadata-log"][1:], 1):
            with open(e["metadata-file"].replace("file://", "", 1)) as f:
                m = json.load(f)
            want = meta["metadata-log"][i - 1]["metadata-file"]
            got = m["metadata-log"][-1]["metadata-file"] if m.get("metadata-log") else None
            if got != want:
                raise Mismatch("%s follows %s, not %s" % (e["metadata-file"], got, want))
    suite.check("race: catalog row and metadata log", catalog_row)
    suite.finish()


if __name__ == "__main__":
    main()
