#!/bin/bash
# Eight processes each commit 100 one-row INSERTs (a script each) to one
# table at the same time: every commit lands within the retry budget
# (time-bounded, full-jitter backoff), the history holds exactly 800
# appends, all rows are there once, and lost attempts left no manifest list
# or manifest behind. CONTENTION_WRITERS / CONTENTION_INSERTS change the
# size (a sanitizer build, several times slower, runs 20 inserts each by
# default); the time taken is printed.
source "$(dirname "$0")/lib.sh"

W=${CONTENTION_WRITERS:-8}
case "$(ldd "$FLOE" 2>/dev/null)" in
*libasan*) N=${CONTENTION_INSERTS:-20} ;;
*) N=${CONTENTION_INSERTS:-100} ;;
esac
floe namespace create c >/dev/null
floe sql "CREATE TABLE c.t AS SELECT 0 AS w, 0 AS i WHERE false" >/dev/null
for w in $(seq 1 "$W"); do
    for i in $(seq 1 "$N"); do echo "INSERT INTO c.t SELECT $w, $i;"; done >"$WORK/w$w.sql"
done
t0=$(date +%s%N)
for w in $(seq 1 "$W"); do
    ("$FLOE" sql --file "$WORK/w$w.sql" >/dev/null 2>"$WORK/w$w.err" ||
        echo "writer $w: $(tail -1 "$WORK/w$w.err")" >>"$WORK/failed") &
done
wait
ms=$((($(date +%s%N) - t0) / 1000000))
echo "contention: $W writers x $N inserts in $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
[ -s "$WORK/failed" ] && fail "$(cat "$WORK/failed")" || pass
total=$((W * N))
assert_eq "rows" "$total" "$(scalar 'SELECT count(*) FROM c.t')"
assert_eq "distinct rows" "$total" "$(scalar 'SELECT count(DISTINCT (w, i)) FROM c.t')"
assert_eq "appends in history" "$total" "$(floe history c.t --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).filter(x=>x.operation==="append").length - 1))')"
meta="$FLOE_WAREHOUSE/c/t/metadata"
assert_eq "manifest lists: one per snapshot" "$((total + 1))" "$(ls "$meta" | grep -c '^snap-')"
assert_eq "manifests: one per append" "$total" "$(ls "$meta" | grep -c -- '-m0\.avro$')"
assert_eq "data files: one per append" "$total" "$(ls "$FLOE_WAREHOUSE/c/t/data" | wc -l)"
finish
