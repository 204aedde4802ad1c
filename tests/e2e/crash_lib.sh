# Crash consistency at every system call (sourced by test_crash_*.sh with
# CRASH_CATALOG set): a write (CREATE OR REPLACE ... AS), a commit (INSERT)
# and a drop (--purge) are each killed with SIGKILL at the Nth call of every
# mutating system call, through strace's syscall injection (SQLite's crash
# tests do the same with their own VFS). After every kill the warehouse must
# read exactly one acknowledged state: the table has all of a commit's rows
# or none, no metadata file exists empty under its final name, and every verb
# still works on every table.
source "$(dirname "$0")/lib.sh"
: "${CRASH_CATALOG:?}"
command -v strace >/dev/null || { echo "strace is required (scripts/setup.sh --test installs it)" >&2; exit 1; }
export FLOE_CATALOG=$CRASH_CATALOG

# the calls by which a process changes files; reads cannot break a table
SYSCALLS="openat write pwrite64 fdatasync fsync syncfs rename renameat renameat2 link linkat
unlink unlinkat mkdir rmdir ftruncate"

# calls_made SYSCALL CMD...: run CMD once under strace and print the largest
# number of SYSCALL calls any one thread made (strace counts per thread)
calls_made() {
    local sc=$1
    shift
    strace -f -qq -e trace="$sc" -o "$WORK/trace" "$@" >/dev/null 2>&1 || true
    awk '{ n[$1]++ } END { m = 0; for (p in n) if (n[p] > m) m = n[p]; print m }' "$WORK/trace"
}

# killed_at SYSCALL N CMD...: run CMD, killed at its Nth SYSCALL if it gets
# that far; prints "killed" or "ran"
killed_at() {
    local sc=$1 n=$2 rc=0
    shift 2
    strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" "$@" \
        >"$WORK/crash.out" 2>&1 || rc=$?
    # strace exits with the tracee's status: 128+9 when it was killed
    if [ "$rc" -eq 137 ]; then echo killed; else echo ran; fi
}

no_empty_metadata() {
    local empty
    empty=$(find "$FLOE_WAREHOUSE" \( -name '*.metadata.json' -o -name '*.avro' \) -size 0 | head -3)
    [ -z "$empty" ] && return 0
    fail "$1: empty files under their final names: $empty"
    # remove them so that the sections after this one still test something
    find "$FLOE_WAREHOUSE" \( -name '*.metadata.json' -o -name '*.avro' \) -size 0 -delete
    return 1
}

rows() { floe query --json "SELECT count(*) AS n, count(DISTINCT i) AS d FROM ns.t" 2>"$WORK/q.err" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];
    console.log(r.n === r.d ? String(r.n) : "dup:" + r.n + "/" + r.d)})'; }

floe namespace create ns >/dev/null
floe sql "CREATE TABLE ns.t AS SELECT i FROM range(3) t(i)" >/dev/null

# ---- commits: INSERT one row, killed at every call ----
have=3
next=100
kills=0
for sc in $SYSCALLS; do
    max=$(calls_made "$sc" "$FLOE" sql "INSERT INTO ns.t VALUES ($next)")
    next=$((next + 1))
    have=$((have + 1))
    for ((n = 1; n <= max; n++)); do
        what="INSERT killed at $sc #$n"
        [ "$(killed_at "$sc" "$n" "$FLOE" sql "INSERT INTO ns.t VALUES ($next)")" = killed ] &&
            kills=$((kills + 1))
        next=$((next + 1))
        got=$(rows) || { fail "$what: table unreadable: $(cat "$WORK/q.err")"; break 2; }
        if [ "$got" = "$have" ]; then
            pass
        elif [ "$got" = "$((have + 1))" ]; then
            have=$got
            pass
        else
            fail "$what: $got rows, expected $have or $((have + 1))"
            break 2
        fi
        no_empty_metadata "$what" || break 2
    done
done
echo "commit: $kills kills"
floe sql "INSERT INTO ns.t VALUES (-1)" >/dev/null 2>&1 || fail "INSERT after the commit kills"
assert_eq "rows after the commit kills" "$((have + 1))" "$(rows)"

# ---- writes: CREATE OR REPLACE with 10 rows, killed at every call ----
kills=0
floe sql "CREATE OR REPLACE TABLE ns.t AS SELECT i FROM range(5) t(i)" >/dev/null
have=5
for sc in $SYSCALLS; do
    max=$(calls_made "$sc" "$FLOE" sql "CREATE OR REPLACE TABLE ns.t AS SELECT i FROM range($have) t(i)")
    for ((n = 1; n <= max; n++)); do
        what="CREATE OR REPLACE killed at $sc #$n"
        want=$((have == 5 ? 7 : 5))
        [ "$(killed_at "$sc" "$n" "$FLOE" sql \
            "CREATE OR REPLACE TABLE ns.t AS SELECT i FROM range($want) t(i)")" = killed ] &&
            kills=$((kills + 1))
        got=$(rows) || { fail "$what: table unreadable: $(cat "$WORK/q.err")"; break 2; }
        if [ "$got" = "$have" ] || [ "$got" = "$want" ]; then
            have=$got
            pass
        else
            fail "$what: $got rows, expected $have or $want"
            break 2
        fi
        no_empty_metadata "$what" || break 2
    done
done
echo "write: $kills kills"

# ---- drops: drop --purge of a fresh table, killed at every call ----
kills=0
make_u() { floe sql "CREATE TABLE ns.u AS SELECT i FROM range(4) t(i)" >/dev/null 2>"$WORK/u.err"; }
make_u || fail "create ns.u: $(cat "$WORK/u.err")"
for sc in $SYSCALLS; do
    max=$(calls_made "$sc" "$FLOE" drop ns.u --purge)
    for ((n = 1; n <= max; n++)); do
        what="drop --purge killed at $sc #$n"
        make_u || { fail "$what: create before: $(cat "$WORK/u.err")"; break 2; }
        [ "$(killed_at "$sc" "$n" "$FLOE" drop ns.u --purge)" = killed ] && kills=$((kills + 1))
        if floe show ns.u >/dev/null 2>&1; then
            # not dropped yet: it must read whole, and drop cleanly now
            got=$(floe query --json "SELECT count(*) AS n FROM ns.u" 2>"$WORK/q.err" | tr -dc 0-9)
            [ "$got" = 4 ] || { fail "$what: ns.u reads [$got]: $(cat "$WORK/q.err")"; break 2; }
            floe drop ns.u --purge >/dev/null 2>"$WORK/d.err" ||
                { fail "$what: drop after: $(cat "$WORK/d.err")"; break 2; }
        fi
        no_empty_metadata "$what" || break 2
        pass
    done
done
echo "drop: $kills kills"

# ---- creates: CREATE TABLE of a new name, killed at every call ----
kills=0
for sc in $SYSCALLS; do
    max=$(calls_made "$sc" "$FLOE" sql "CREATE TABLE ns.v AS SELECT i FROM range(4) t(i)")
    floe drop ns.v --purge >/dev/null 2>&1
    for ((n = 1; n <= max; n++)); do
        what="CREATE TABLE killed at $sc #$n"
        [ "$(killed_at "$sc" "$n" "$FLOE" sql "CREATE TABLE ns.v AS SELECT i FROM range(4) t(i)")" = killed ] &&
            kills=$((kills + 1))
        if floe show ns.v >/dev/null 2>&1; then
            got=$(floe query --json "SELECT count(*) AS n FROM ns.v" 2>"$WORK/q.err" | tr -dc 0-9)
            [ "$got" = 4 ] || { fail "$what: ns.v reads [$got]: $(cat "$WORK/q.err")"; break 2; }
        else
            # not created: the name must be free for a new table
            floe sql "CREATE TABLE ns.v AS SELECT i FROM range(4) t(i)" >/dev/null 2>"$WORK/c.err" ||
                { fail "$what: create after: $(cat "$WORK/c.err")"; break 2; }
        fi
        floe drop ns.v --purge >/dev/null 2>"$WORK/d.err" ||
            { fail "$what: drop after: $(cat "$WORK/d.err")"; break 2; }
        no_empty_metadata "$what" || break 2
        pass
    done
done
echo "create: $kills kills"

# every verb still works on the table that went through all of it
floe show ns.t >/dev/null || fail "show ns.t"
floe history ns.t >/dev/null || fail "history ns.t"
floe sql "INSERT INTO ns.t VALUES (-2)" >/dev/null || fail "insert ns.t"
floe drop ns.t --purge >/dev/null || fail "drop ns.t"
floe sql "CREATE TABLE ns.t AS SELECT 1 AS i" >/dev/null || fail "re-create ns.t"
finish
