#!/bin/bash
# Crash consistency with the SQLite catalog (crash_lib.sh).
CRASH_CATALOG=sqlite:
source "$(dirname "$0")/crash_lib.sh"
