#!/bin/bash
# Crash consistency with the hadoop-style fs catalog (crash_lib.sh).
CRASH_CATALOG=fs:
source "$(dirname "$0")/crash_lib.sh"
