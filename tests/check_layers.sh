#!/bin/bash
# Layering check (STYLE.md rule 1): a layer includes only headers of the
# layers below it. Fails listing each offending include.
set -u
root=${1:-.}
layers=(base avro storage iceberg catalog engine jinja dbt server cli)
rank() { local i; for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && echo "$i" && return; done; echo -1; }
bad=0
for dir in "$root"/src/*/; do
    layer=$(basename "$dir")
    r=$(rank "$layer")
    [ "$r" -lt 0 ] && { echo "unknown layer directory src/$layer"; bad=1; continue; }
    while IFS=: read -r file inc; do
        hdr=$(sed -n 's/.*#include "floe\/\([a-z_]*\)\.h".*/\1/p' <<<"$inc")
        [ -z "$hdr" ] && continue
        hr=$(rank "$hdr")
        if [ "$hr" -lt 0 ] || [ "$hr" -gt "$r" ]; then
            echo "layering: $file includes floe/$hdr.h (layer $layer may not)"
            bad=1
        fi
    done < <(grep -H '#include "floe/' "$dir"*.c "$dir"*.h 2>/dev/null)
done
# storage sits beside avro: neither may include the other
if grep -l '#include "floe/storage.h"' "$root"/src/avro/*.c 2>/dev/null; then bad=1; fi
# jinja is built on base and jansson alone (DESIGN.md): it knows nothing of
# the layers between base and it (no DuckDB, no catalog), nor of dbt
while IFS=: read -r file inc; do
    case "$inc" in
    *'"floe/base.h"'* | *'"floe/jinja.h"'* | *'"jinja_'*'.h"'* | *'<'*'.h>'*) ;;
    *) echo "layering: $file: $inc (jinja may include only floe/base.h, jansson and libc)"; bad=1 ;;
    esac
done < <(grep -H '^[[:space:]]*#[[:space:]]*include' "$root"/src/jinja/*.c "$root"/src/jinja/*.h "$root"/include/floe/jinja.h 2>/dev/null)
libs=$(grep -sH '^[[:space:]]*#[[:space:]]*include[[:space:]]*<\(duckdb\|yaml\|sqlite3\|curl/curl\|libpq-fe\|microhttpd\)\.h>' \
    "$root"/src/jinja/*.[ch] "$root"/include/floe/jinja.h)
if [ -n "$libs" ]; then
    echo "$libs"
    echo "layering: jinja includes a library other than jansson"; bad=1
fi
# inside dbt, the modules build on one another in this order (DESIGN.md
# layers, at the scale of files): a module includes only the headers of
# modules before it, so no two of them call each other
dbt_modules=(yaml names graph external runtime relation adapter context props load select
             artifacts tests materialize schedule)
dbt_rank() { local i; for i in "${!dbt_modules[@]}"; do [ "${dbt_modules[$i]}" = "$1" ] && echo "$i" && return; done; echo -1; }
for file in "$root"/src/dbt/*.[ch]; do
    [ -e "$file" ] || continue
    self=$(basename "$file"); self=${self%.?}; self=${self#dbt_}
    r=$(dbt_rank "$self")
    [ "$r" -lt 0 ] && { echo "layering: $file is no module of the dbt order in check_layers.sh"; bad=1; continue; }
    for inc in $(sed -n 's/^#include "dbt_\([a-z_]*\)\.h".*/\1/p' "$file"); do
        ir=$(dbt_rank "$inc")
        if [ "$ir" -lt 0 ] || [ "$ir" -gt "$r" ]; then
            echo "layering: $file includes dbt_$inc.h (module $self may not)"; bad=1
        fi
    done
done
[ $bad -eq 0 ] && echo "layering ok"
exit $bad
