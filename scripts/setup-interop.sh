#!/bin/sh
# Install what the interop suite (tests/interop, `make interop`) needs, each
# piece only when it is missing or its pinned version changed:
#   .interop/venv   Python virtual environment from tests/interop/requirements.txt
#                   (PyIceberg, PyArrow, PySpark, DuckDB and its iceberg/avro/httpfs
#                   extension wheels), installed with --require-hashes
#   .interop/jars   the Iceberg Spark runtime and the SQLite JDBC driver, fetched by
#                   Maven (local repository .interop/m2) and checked against sha256
#   .interop/java-home  the JDK 17 the Spark tests run on
# Debian packages (python3-venv, a JDK 17, maven) are installed when missing.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.interop"
mkdir -p "$dir"

# Pinned Maven artifacts: group:artifact:version sha256
SPARK_VERSION=3.5.8 # must match pyspark in tests/interop/requirements.txt
JARS="org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.12.0 8dd8c90e54ed1a20f2461309d047a255ee56382eb7c0a46162b27a4936fd86dc
org.xerial:sqlite-jdbc:3.54.1.0 f8dce420a6016278497f4f0560f65602b9db858de141b541cf91a4644ebe4639"
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
apt_install() {
    echo "setup-interop: installing Debian packages: $*"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# --- JDK 17 (Spark 3.5 runs on Java 8, 11 or 17) ---
java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
find_jdk17() {
    if command -v java >/dev/null 2>&1; then
        h=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
        [ "$(java_major "$h")" = 17 ] && { echo "$h"; return; }
    fi
    for h in /usr/lib/jvm/java-17-openjdk-*; do
        [ -x "$h/bin/java" ] && { echo "$h"; return; }
    done
}
jdk=$(find_jdk17)
if [ -z "$jdk" ]; then
    apt_install openjdk-17-jdk-headless
    jdk=$(find_jdk17)
fi
echo "$jdk" >"$dir/java-home"

# --- Python virtual environment ---
req="$root/tests/interop/requirements.txt"
stamp="$dir/venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        apt_install python3-venv
    fi
    echo "setup-interop: creating .interop/venv (PyIceberg, PySpark, DuckDB; a first run downloads about 400 MB)"
    rm -rf "$dir/venv"
    python3 -m venv "$dir/venv"
    "$dir/venv/bin/python" -m pip install -q --disable-pip-version-check \
        --require-hashes -r "$req"
    echo "$want" >"$stamp"
fi

# --- Maven artifacts ---
if ! command -v mvn >/dev/null 2>&1; then
    apt_install maven
fi
mkdir -p "$dir/jars"
echo "$JARS" | while read -r gav sum; do
    a=$(echo "$gav" | cut -d: -f2)
    v=$(echo "$gav" | cut -d: -f3)
    jar="$dir/jars/$a-$v.jar"
    if [ -f "$jar" ] && echo "$sum  $jar" | sha256sum -c --status -; then
        continue
    fi
    echo "setup-interop: fetching $gav"
    rm -f "$jar"
    JAVA_HOME="$jdk" mvn -q -B -Dmaven.repo.local="$dir/m2" "$DEPENDENCY_PLUGIN:copy" \
        -Dartifact="$gav" -DoutputDirectory="$dir/jars" >"$dir/mvn.log" 2>&1 ||
        { cat "$dir/mvn.log" >&2; exit 1; }
    echo "$sum  $jar" | sha256sum -c --quiet - || { rm -f "$jar"; exit 1; }
done

# the venv's pyspark must be the Spark the runtime jar was built for
got=$("$dir/venv/bin/python" -c 'import pyspark; print(pyspark.__version__)')
[ "$got" = "$SPARK_VERSION" ] || { echo "setup-interop: pyspark $got, expected $SPARK_VERSION" >&2; exit 1; }
