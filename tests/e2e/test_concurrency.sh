#!/bin/bash
# Two processes append to one table 50 times each at the same time: every
# commit lands (compare-and-swap + retry), history holds exactly 100 appends
# and all rows are present.
source "$(dirname "$0")/lib.sh"

floe namespace create c 2>/dev/null
floe sql "CREATE TABLE c.t AS SELECT 0 AS w, 0 AS i WHERE false" 2>/dev/null
writer() {
    local w=$1
    for i in $(seq 1 50); do
        "$FLOE" sql "INSERT INTO c.t SELECT $w, $i" >/dev/null 2>>"$WORK/writer$w.err" || echo "writer $w insert $i failed" >>"$WORK/failed"
    done
}
writer 1 &
writer 2 &
wait
[ -s "$WORK/failed" ] && fail "$(cat "$WORK/failed") $(tail -3 "$WORK"/writer*.err)" || pass
assert_eq "rows" 100 "$(scalar 'SELECT count(*) FROM c.t')"
assert_eq "distinct rows" 100 "$(scalar 'SELECT count(DISTINCT (w, i)) FROM c.t')"
assert_eq "appends in history" 100 "$(floe history c.t --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).filter(x=>x.operation==="append").length - 1))')"
third_party_check c.t
finish
