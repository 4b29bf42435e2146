#!/usr/bin/env bash
# The demo on a fresh machine: installs what it needs, builds, then runs
# `gridmsg demo` on the example registry (local brokers, real Nagios, both bridges).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/gridmsg.js demo --registry examples/registry.yaml "$@"
