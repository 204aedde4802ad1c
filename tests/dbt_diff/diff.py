#!/usr/bin/env python3
"""Differential runner: dbt-core + dbt-duckdb and floe on the same project.

    diff.py --floe BUILD/floe PROJECT...     (run with the venv's python,
                                              see scripts/setup-dbt.sh)

PROJECT names an entry of projects.yml (beside this file): a project
directory of the repository, optionally with an overlay directory copied
over it (the failing variants), setup SQL that makes its sources and the
selectors to compare `ls` on. For each, the project is copied twice into a
temporary directory, given a profile of the same target (threads, schema,
settings) pointing at a DuckDB file (dbt) or a warehouse (floe), built with
`dbt build` and `floe build`, and compared:

  summary    the console's `Done. PASS=.. TOTAL=..` line and the exit code
  error      the failing nodes the console names, with the kind of error
  relation   the relations, their kind, column names and types as DuckDB
             describes them, their rows (as text, order-insensitive; floats
             compared to 12 significant digits)
  result     target/run_results.json: status and failures per unique_id
  manifest   target/manifest.json: node unique_ids, fqn, depends_on.nodes,
             config values of the keys both sides have; keys only one side
             has are listed once per resource type
  compiled   target/compiled, whitespace-normalised
  ls         `ls` for each selector

Every difference is printed. Differences listed in known_differences.yml
(beside this file) with their reason are printed as known; any other one
fails the run (exit 1).
"""
import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import duckdb
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DBT = os.path.join(os.path.dirname(sys.executable), "dbt")

# keys of floe's profile that dbt-duckdb does not know
FLOE_ONLY_PROFILE_KEYS = ("warehouse", "catalog")


class Diff:
    def __init__(self, project):
        self.project = project
        self.items = []  # (category, subject, detail)

    def add(self, category, subject, detail):
        self.items.append((category, subject, detail))


def run(cmd, cwd, env=None, timeout=900):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


# ---------------------------------------------------------------- setup


def prepare(spec, work, floe):
    """Two copies of the project with their profiles; returns the sides."""
    src = os.path.join(ROOT, spec["dir"])
    project = load_yaml(os.path.join(src, "dbt_project.yml"))
    profiles = load_yaml(os.path.join(src, "profiles.yml")) or {}
    prof_name = project.get("profile")
    prof = profiles.get(prof_name) or {}
    target_name = prof.get("target", "dev")
    out = dict((prof.get("outputs") or {}).get(target_name) or {})
    for k in FLOE_ONLY_PROFILE_KEYS + ("path",):
        out.pop(k, None)
    out["type"] = "duckdb"
    sides = {}
    for side in ("dbt", "floe"):
        base = os.path.join(work, side)
        proj = os.path.join(base, "project")
        shutil.copytree(src, proj, symlinks=True,
                        ignore=shutil.ignore_patterns("target", "logs",
                                                      "warehouse", "*.duckdb"))
        if spec.get("overlay"):
            shutil.copytree(os.path.join(ROOT, spec["overlay"]), proj, dirs_exist_ok=True)
        for d in spec.get("remove", []):
            p = os.path.join(proj, d)
            if os.path.isdir(p):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.remove(p)
        if spec.get("generate_jaffle"):
            rc, text = run([floe, "generate", "jaffle", "--scale", "1", "--out",
                            os.path.join(proj, spec["generate_jaffle"])], cwd=proj)
            if rc != 0:
                raise RuntimeError("floe generate jaffle: " + text)
        os.makedirs(os.path.join(base, "profiles"))
        o = dict(out)
        # one file name on both sides: the database name in compiled SQL
        o["path"] = os.path.join(base, "db", "diff.duckdb")
        os.makedirs(os.path.dirname(o["path"]))
        if side == "floe":
            o["warehouse"] = os.path.join(base, "warehouse")
        with open(os.path.join(base, "profiles", "profiles.yml"), "w") as f:
            yaml.safe_dump({prof_name: {"target": target_name, "outputs": {target_name: o}}}, f)
        sides[side] = {"base": base, "project": proj, "db": o["path"],
                       "profiles": os.path.join(base, "profiles"),
                       "warehouse": o.get("warehouse")}
    return sides


def side_cmd(side, name, floe, args):
    if side == "dbt":
        return [DBT, "--no-use-colors", "--no-partial-parse", "--no-send-anonymous-usage-stats",
                ] + [args[0], "--profiles-dir", name["profiles"]] + args[1:]
    return [floe, args[0], "--profiles-dir", name["profiles"]] + args[1:]


def side_env(spec=None, work=None):
    env = dict(os.environ)
    for k, v in ((spec or {}).get("env") or {}).items():
        env[k] = str(v).replace("{work}", work or "")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env.pop("FLOE_WAREHOUSE", None)
    env.pop("FLOE_CATALOG", None)
    return env


def setup_sources(spec, sides, floe):
    sql = spec.get("setup_sql")
    if not sql:
        return
    con = duckdb.connect(sides["dbt"]["db"])
    con.execute(sql)
    con.close()
    rc, text = run([floe, "--warehouse", sides["floe"]["warehouse"], "sql", sql],
                   cwd=sides["floe"]["project"], env=side_env())
    if rc != 0:
        raise RuntimeError("floe sql (setup): " + text)


# ---------------------------------------------------------------- console

SUMMARY = re.compile(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)(?: NO-OP=(\d+))? TOTAL=(\d+)")
ERROR_LINE = re.compile(
    r"\b(Failure|Warning|Runtime Error|Compilation Error|Database Error|Parsing Error|"
    r"Contract Error) in (model|seed|test|snapshot|unit_test|analysis|operation|sql_operation)"
    r" ([A-Za-z0-9_.]+)")


def summary_of(text):
    m = None
    for m in SUMMARY.finditer(text):
        pass
    if not m:
        return None
    s = "PASS=%s WARN=%s ERROR=%s SKIP=%s" % m.group(1, 2, 3, 4)
    if m.group(5) and m.group(5) != "0":
        s += " NO-OP=" + m.group(5)
    return s + " TOTAL=" + m.group(6)


# an error that stops the whole run: dbt's "Encountered an error:" and the
# kind on the next line, floe's one "floe: error:" line; the nodes it names
RUN_ERROR_DBT = re.compile(r"Encountered an error:\s*\n\s*(\w[\w ]*Error)\b(.*(?:\n  .*)*)")
RUN_ERROR_FLOE = re.compile(r"^floe: error: (?:(\w[\w ]*Error): )?(.*)$", re.M)
UNIQUE_ID = re.compile(r"\b(?:model|seed|test|snapshot|source|analysis)\.[A-Za-z0-9_]+\.[A-Za-z0-9_.]+")


def errors_of(text, side):
    out = set("%s in %s %s" % m.group(1, 2, 3) for m in ERROR_LINE.finditer(text))
    if side == "dbt":
        for m in RUN_ERROR_DBT.finditer(text):
            out.add("run stopped: %s naming %s" % (m.group(1), sorted(set(UNIQUE_ID.findall(m.group(2))))))
    elif SUMMARY.search(text) is None:
        for m in RUN_ERROR_FLOE.finditer(text):
            out.add("run stopped: %s naming %s" % (m.group(1) or "(no kind)",
                                                   sorted(set(UNIQUE_ID.findall(m.group(2))))))
    return sorted(out)


def compare_console(diff, res):
    for k in ("rc",):
        if res["dbt"][k] != res["floe"][k]:
            diff.add("summary", "exit code", "dbt %s, floe %s" % (res["dbt"][k], res["floe"][k]))
    sd, sf = summary_of(res["dbt"]["out"]), summary_of(res["floe"]["out"])
    if sd != sf:
        diff.add("summary", "Done line", "dbt %s, floe %s" % (sd, sf))
    ed, ef = errors_of(res["dbt"]["out"], "dbt"), errors_of(res["floe"]["out"], "floe")
    for e in ed:
        if e not in ef:
            diff.add("error", e, "dbt says so, floe does not")
    for e in ef:
        if e not in ed:
            diff.add("error", e, "floe says so, dbt does not")


# ---------------------------------------------------------------- relations

FLOATS = ("FLOAT", "DOUBLE", "REAL")


def norm_value(v, typ):
    if v is None:
        return None
    if typ.upper() in FLOATS:
        try:
            return "%.12g" % float(v)
        except ValueError:
            return v
    return v


def select_text(schema, name, cols):
    if not cols:
        return None
    items = ", ".join('CAST("%s" AS VARCHAR)' % c.replace('"', '""') for c, _ in cols)
    return 'SELECT %s FROM "%s"."%s"' % (items, schema.replace('"', '""'), name.replace('"', '""'))


def relations_dbt(db):
    if not os.path.exists(db):
        return {}
    con = duckdb.connect(db, read_only=True)
    rels = {}
    for schema, name, kind in con.execute(
            "SELECT table_schema, table_name, table_type FROM information_schema.tables "
            "WHERE table_catalog = current_database() ORDER BY 1, 2").fetchall():
        cols = [(r[0], r[1]) for r in con.execute(
            'DESCRIBE "%s"."%s"' % (schema, name)).fetchall()]
        q = select_text(schema, name, cols)
        rows = con.execute(q).fetchall() if q else []
        rels["%s.%s" % (schema, name)] = {
            "kind": "table" if kind == "BASE TABLE" else "view", "cols": cols, "rows": rows}
    con.close()
    return rels


def floe_json(floe, wh, cwd, *args):
    rc, text = run([floe, "--warehouse", wh, "--quiet"] + list(args), cwd=cwd, env=side_env())
    if rc != 0:
        raise RuntimeError("floe %s: %s" % (" ".join(args), text))
    return json.loads(text)


def relations_floe(floe, wh, cwd):
    if not os.path.exists(os.path.join(wh, "catalog.db")):
        return {}
    tables = set("%s.%s" % (t["namespace"], t["name"])
                 for t in floe_json(floe, wh, cwd, "tables", "--json"))
    rels = {}
    for r in floe_json(floe, wh, cwd, "query", "--json", "--max-rows", "0",
                       "SELECT table_schema, table_name FROM information_schema.tables "
                       "WHERE table_catalog = current_database() ORDER BY 1, 2"):
        schema, name = r["table_schema"], r["table_name"]
        key = "%s.%s" % (schema, name)
        cols = [(c["column_name"], c["column_type"]) for c in floe_json(
            floe, wh, cwd, "query", "--json", 'DESCRIBE "%s"."%s"' % (schema, name))]
        q = select_text(schema, name, cols)
        rows = []
        if q:
            rows = [tuple(row[k] for k in row) for row in floe_json(
                floe, wh, cwd, "query", "--json", "--max-rows", "0", q)]
        rels[key] = {"kind": "table" if key in tables else "view", "cols": cols, "rows": rows}
    return rels


def compare_relations(diff, rd, rf):
    for k in sorted(set(rd) | set(rf)):
        if k not in rf:
            diff.add("relation", k, "only dbt has it (%s)" % rd[k]["kind"])
            continue
        if k not in rd:
            diff.add("relation", k, "only floe has it (%s)" % rf[k]["kind"])
            continue
        a, b = rd[k], rf[k]
        if a["kind"] != b["kind"]:
            diff.add("relation kind", k, "dbt %s, floe %s" % (a["kind"], b["kind"]))
        na, nb = [c for c, _ in a["cols"]], [c for c, _ in b["cols"]]
        if na != nb:
            diff.add("columns", k, "dbt %s, floe %s" % (na, nb))
            continue
        for (c, ta), (_, tb) in zip(a["cols"], b["cols"]):
            if ta != tb:
                diff.add("column type", "%s.%s" % (k, c), "dbt %s, floe %s" % (ta, tb))
        types = [t for _, t in a["cols"]]

        def norm(rows, types=types):
            out = [tuple(norm_value(v, t) for v, t in zip(r, types)) for r in rows]
            return sorted(out, key=lambda r: [(v is None, v or "") for v in r])

        ra, rb = norm(a["rows"]), norm(b["rows"])
        if ra != rb:
            only_a = [r for r in ra if r not in rb][:3]
            only_b = [r for r in rb if r not in ra][:3]
            diff.add("rows", k, "dbt %d rows, floe %d; dbt only e.g. %s; floe only e.g. %s"
                     % (len(ra), len(rb), only_a, only_b))


# ---------------------------------------------------------------- artifacts


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def artifacts(diff, category, name, pd, pf):
    """Both sides' target/<name>, or None (a difference when one has it)."""
    a = read_json(os.path.join(pd, "target", name))
    b = read_json(os.path.join(pf, "target", name))
    if (a is None) != (b is None):
        diff.add(category, name, "only %s writes it" % ("dbt" if b is None else "floe"))
    return None if a is None or b is None else (a, b)


def compare_run_results(diff, pd, pf):
    both = artifacts(diff, "result", "run_results.json", pd, pf)
    if both is None:
        return
    a, b = both
    ra = {r["unique_id"]: (r.get("status"), r.get("failures")) for r in a.get("results", [])}
    rb = {r["unique_id"]: (r.get("status"), r.get("failures")) for r in b.get("results", [])}
    for k in sorted(set(ra) | set(rb)):
        if k not in rb:
            diff.add("result", k, "only dbt has a result (%s)" % (ra[k],))
        elif k not in ra:
            diff.add("result", k, "only floe has a result (%s)" % (rb[k],))
        elif ra[k] != rb[k]:
            diff.add("result", k, "dbt status %s failures %s, floe status %s failures %s"
                     % (ra[k] + rb[k]))


def nodes_of(m):
    out = dict(m.get("nodes") or {})
    out.update(m.get("sources") or {})
    out.update(m.get("unit_tests") or {})
    return out


def compare_manifest(diff, pd, pf):
    both = artifacts(diff, "manifest", "manifest.json", pd, pf)
    if both is None:
        return
    a, b = both
    na, nb = nodes_of(a), nodes_of(b)
    only = {}
    for k in sorted(set(na) | set(nb)):
        if k not in nb:
            diff.add("manifest", k, "only dbt has the node")
            continue
        if k not in na:
            diff.add("manifest", k, "only floe has the node")
            continue
        x, y = na[k], nb[k]
        if x.get("fqn") != y.get("fqn"):
            diff.add("manifest", k, "fqn: dbt %s, floe %s" % (x.get("fqn"), y.get("fqn")))
        dx = sorted((x.get("depends_on") or {}).get("nodes") or [])
        dy = sorted((y.get("depends_on") or {}).get("nodes") or [])
        if dx != dy:
            diff.add("manifest", k, "depends_on.nodes: dbt %s, floe %s" % (dx, dy))
        cx, cy = x.get("config") or {}, y.get("config") or {}
        rt = x.get("resource_type", "?")
        for key in sorted(set(cx) | set(cy)):
            if key not in cy:
                only.setdefault(("dbt", rt, key), 0)
                only[("dbt", rt, key)] += 1
            elif key not in cx:
                only.setdefault(("floe", rt, key), 0)
                only[("floe", rt, key)] += 1
            elif cx[key] != cy[key]:
                diff.add("config", "%s %s" % (k, key), "dbt %s, floe %s"
                         % (json.dumps(cx[key], sort_keys=True), json.dumps(cy[key], sort_keys=True)))
    for (side, rt, key), n in sorted(only.items()):
        diff.add("config key", "%s %s" % (rt, key), "only %s's config has it (%d nodes)" % (side, n))


def compiled_files(p):
    root = os.path.join(p, "target", "compiled")
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            full = os.path.join(d, f)
            with open(full, encoding="utf-8", errors="replace") as fh:
                out[os.path.relpath(full, root)] = " ".join(fh.read().split())
    return out


def compare_compiled(diff, pd, pf, rewrites):
    a, b = compiled_files(pd), compiled_files(pf)
    for r in rewrites:
        for k in a:
            a[k], n = re.subn(r["pattern"], r["replace"], a[k])
            r["applied"] = r.get("applied", 0) + n
    for k in sorted(set(a) | set(b)):
        if k not in b:
            diff.add("compiled", k, "only dbt compiled it")
        elif k not in a:
            diff.add("compiled", k, "only floe compiled it")
        elif a[k] != b[k]:
            i = next((i for i, (x, y) in enumerate(zip(a[k], b[k])) if x != y), min(len(a[k]), len(b[k])))
            diff.add("compiled", k, "differ at %d: dbt ...%s... floe ...%s..."
                     % (i, a[k][max(0, i - 30):i + 50], b[k][max(0, i - 30):i + 50]))


# ---------------------------------------------------------------- ls


def ls_lines(side, s, floe, args, env):
    if side == "dbt":
        cmd = [DBT, "--quiet", "--no-use-colors", "--no-send-anonymous-usage-stats", "ls",
               "--profiles-dir", s["profiles"]] + args
    else:
        cmd = [floe, "--quiet", "ls", "--profiles-dir", s["profiles"]] + args
    rc, text = run(cmd, cwd=s["project"], env=env)
    lines = [l for l in text.splitlines() if l.strip()]
    return rc, sorted(lines)


def compare_ls(diff, spec, sides, floe, env, extra):
    for sel in spec.get("ls", []):
        args = sel.split() + extra
        rd, ld = ls_lines("dbt", sides["dbt"], floe, args, env)
        rf, lf = ls_lines("floe", sides["floe"], floe, args, env)
        if rd != rf:
            diff.add("ls", sel or "(all)", "exit code dbt %d, floe %d" % (rd, rf))
        if ld != lf:
            diff.add("ls", sel or "(all)", "dbt only %s; floe only %s"
                     % ([l for l in ld if l not in lf], [l for l in lf if l not in ld]))


# ---------------------------------------------------------------- main


def known_match(known, project, item):
    cat, subject, _ = item
    for k in known:
        if not fnmatch.fnmatchcase(project, k.get("project", "*")):
            continue
        if k["category"] != cat:
            continue
        subjects = k.get("subject", "*")
        if isinstance(subjects, str):
            subjects = [subjects]
        if any(fnmatch.fnmatchcase(subject, g) for g in subjects) and \
                re.search(k.get("detail", ""), item[2]):
            return k
    return None


def diff_project(name, spec, floe, keep, rewrites):
    work = tempfile.mkdtemp(prefix="dbt_diff_%s_" % name)
    diff = Diff(name)
    try:
        sides = prepare(spec, work, floe)
        setup_sources(spec, sides, floe)
        env = side_env(spec, work)
        extra = ["--vars", spec["vars"]] if spec.get("vars") else []
        res = {}
        for side in ("dbt", "floe"):
            s = sides[side]
            if os.path.exists(os.path.join(s["project"], "packages.yml")):
                rc, text = run(side_cmd(side, s, floe, ["deps"]), cwd=s["project"], env=env)
                if rc != 0:
                    diff.add("deps", side, text[-500:])
            rc, text = run(side_cmd(side, s, floe, ["build"] + extra), cwd=s["project"], env=env)
            res[side] = {"rc": rc, "out": text}
            with open(os.path.join(s["base"], "build.out"), "w") as f:
                f.write(text)
        compare_console(diff, res)
        compare_relations(diff, relations_dbt(sides["dbt"]["db"]),
                          relations_floe(floe, sides["floe"]["warehouse"], sides["floe"]["project"]))
        compare_run_results(diff, sides["dbt"]["project"], sides["floe"]["project"])
        compare_manifest(diff, sides["dbt"]["project"], sides["floe"]["project"])
        compare_compiled(diff, sides["dbt"]["project"], sides["floe"]["project"], rewrites)
        compare_ls(diff, spec, sides, floe, env, extra)
    finally:
        if keep:
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return diff


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--floe", required=True, help="the floe binary")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("projects", nargs="+", help="entries of projects.yml")
    args = ap.parse_args()
    floe = os.path.abspath(args.floe)
    projects = load_yaml(os.path.join(HERE, "projects.yml"))["projects"]
    kd = load_yaml(os.path.join(HERE, "known_differences.yml"))
    known = kd.get("known") or []
    rewrites = kd.get("compiled_rewrites") or []
    for k in known + rewrites:
        if not k.get("reason"):
            sys.exit("known_differences.yml: every entry needs a reason: %s" % k)
    unknown = 0
    for name in args.projects:
        if name not in projects:
            sys.exit("no project %s in projects.yml" % name)
        d = diff_project(name, projects[name], floe, args.keep, rewrites)
        for r in rewrites:
            print("known  %s: compiled SQL of dbt rewritten %d times: %s -> %s  [%s]"
                  % (name, r.pop("applied", 0), r["pattern"], r["replace"], r["reason"]))
        n_known = 0
        for item in d.items:
            k = known_match(known, name, item)
            if k:
                n_known += 1
                print("known  %s: %s %s: %s  [%s]" % (name, item[0], item[1], item[2], k["reason"]))
            else:
                unknown += 1
                print("DIFF   %s: %s %s: %s" % (name, item[0], item[1], item[2]))
        print("%s: %d differences, %d known, %d not known"
              % (name, len(d.items), n_known, len(d.items) - n_known))
    sys.exit(1 if unknown else 0)


if __name__ == "__main__":
    main()
