#!/bin/sh
# Fetch the pinned DuckDB 1.4 LTS C header and shared library from the npm
# registry into DEST (git-ignored). Versions and checksums are pinned; a
# mismatch aborts. Usage: scripts/fetch-duckdb.sh DEST
set -eu
dest=$1
if [ -f "$dest/include/duckdb.h" ] && [ -f "$dest/lib/libduckdb.so" ] &&
   [ -f "$dest/.complete" ]; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "fetch-duckdb: npm is required" >&2; exit 1; }
mkdir -p "$dest"
cd "$dest"
rm -rf include lib ./*.tgz .complete
npm pack --silent duckdb@1.4.4 @duckdb/node-bindings-linux-x64@1.4.4-r.4 >/dev/null
sha256sum -c --quiet - <<'SUMS'
5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed  duckdb-1.4.4.tgz
732fac4dc6b8f198870b9c4bb6ddf13544466daca00ad28ba2f1d80de5d7aa4b  duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz
SUMS
mkdir -p include lib
tar -xzf duckdb-1.4.4.tgz -C include --strip-components=5 package/src/duckdb/src/include/duckdb.h
tar -xzf duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz -C lib --strip-components=1 package/libduckdb.so
sha256sum -c --quiet - <<'SUMS'
cbe6a827284375c5a646b8f27dbd3a00808ce8738b5bbb49c190cb1e08540281  include/duckdb.h
1ef33048e12235115ac0d277a0aaccbb560e33248144f488b5ac005cd9ba81b5  lib/libduckdb.so
SUMS
rm -f ./*.tgz
touch .complete
