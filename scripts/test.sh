#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, builds, runs
# every test against real ActiveMQ and real Nagios. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx ava "$@"
