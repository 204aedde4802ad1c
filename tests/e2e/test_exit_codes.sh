#!/bin/bash
# Exit codes and JSON errors: each kind of failure a script may act on has
# its own exit code (floe --help, README.md), and with --json a failing
# command prints {"error": {"code": NAME, "message": ...}} on stdout besides
# its one error line on stderr.
source "$(dirname "$0")/lib.sh"

# exit_is WHAT CODE CMD...: CMD exits with CODE and one error line
exit_is() {
    local what=$1 want=$2 rc=0
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    assert_eq "$what: exit" "$want" "$rc"
    if grep -q "Sanitizer" "$WORK/err"; then
        fail "$what: sanitizer report: $(head -20 "$WORK/err")"
    fi
}

# json_error_is WHAT CODE NAME CMD...: with --json, CMD exits with CODE and
# stdout is exactly one JSON document whose error has the code NAME and a
# non-empty message that is the stderr message
json_error_is() {
    local what=$1 want=$2 name=$3 rc=0
    shift 3
    "$@" --json >"$WORK/out" 2>"$WORK/err" || rc=$?
    assert_eq "$what: exit" "$want" "$rc"
    assert_eq "$what: JSON error" "$name" "$(node -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  let e;
  try { e = JSON.parse(s); } catch (x) { console.log("not JSON: " + s); return; }
  const keys = Object.keys(e).join(","), ekeys = Object.keys(e.error || {}).join(",");
  if (keys !== "error" || ekeys !== "code,message") console.log("keys " + keys + " / " + ekeys);
  else if (!e.error.message) console.log("empty message");
  else if (!require("fs").readFileSync(process.argv[1], "utf8").includes(e.error.message))
    console.log("message differs from stderr: " + e.error.message);
  else console.log(e.error.code); });' "$WORK/err" <"$WORK/out")"
}

floe namespace create m 2>/dev/null
floe sql "CREATE TABLE m.t AS SELECT 1 AS i" 2>/dev/null

# 0: success, and --help lists the codes
exit_is "success" 0 floe tables m
floe --help >"$WORK/help"
for line in "0  success" "1  failure" "2  usage" "3  not found" "4  conflict" "5  I/O" "6  internal"; do
    if grep -qF -- "  $line" "$WORK/help"; then pass; else fail "--help lacks exit code [$line]"; fi
done

# 1: generic failure (bad SQL, bad input)
exit_is "SQL error" 1 floe query "SELEC 1"
json_error_is "SQL error" 1 EENGINE floe query "SELEC 1"
json_error_is "unsupported type" 1 EUNSUPPORTED floe sql "CREATE TABLE m.bad AS SELECT INTERVAL 1 DAY AS d"

# 2: usage
exit_is "unknown verb" 2 floe frobnicate
exit_is "unknown option" 2 floe query "SELECT 1" --bogus
exit_is "missing argument" 2 floe show
exit_is "bad --threads" 2 floe --threads 0 tables
exit_is "no verb" 2 floe
json_error_is "unknown verb" 2 EUSAGE floe frobnicate
json_error_is "unknown option" 2 EUSAGE floe query "SELECT 1" --bogus
json_error_is "missing argument" 2 EUSAGE floe show

# 3: not found
exit_is "missing table" 3 floe show m.nope
json_error_is "missing table" 3 ENOTFOUND floe show m.nope
json_error_is "missing namespace" 3 ENOTFOUND floe tables nope
json_error_is "missing snapshot" 3 ENOTFOUND floe query --as-of-snapshot 12345 "SELECT * FROM m.t"
exit_is "missing CSV" 3 floe load m.csv "$WORK/nope.csv"
exit_is "drop of a missing table" 3 floe drop m.nope

# 4: conflict (exists; a catalog locked past the timeout)
exit_is "namespace exists" 4 floe namespace create m
json_error_is "table exists" 4 EEXISTS floe sql "CREATE TABLE m.t AS SELECT 2 AS i"
lock_catalog
json_error_is "locked catalog" 4 EBUSY floe sql "INSERT INTO m.t SELECT 2"
unlock_catalog

# 5: I/O
touch "$WORK/a-file"
exit_is "warehouse under a file" 5 floe --warehouse "$WORK/a-file/wh" namespace create x
json_error_is "warehouse under a file" 5 EIO floe --warehouse "$WORK/a-file/wh" namespace create x

# 6: internal (out of memory, injected at the first allocation)
exit_is "out of memory" 6 env FLOE_FAULT_ALLOC=1 "$FLOE" tables
json_error_is "out of memory" 6 ENOMEM env FLOE_FAULT_ALLOC=1 "$FLOE" tables

# a successful --json command prints its result, no error document
floe tables m --json >"$WORK/ok.json"
assert_eq "success: no error document" "" "$(grep -o '"error"' "$WORK/ok.json" || true)"

finish
