#!/usr/bin/env bash
# Regenerates testdata/vectors/*.json from the official Lit JS SDK (v7.4.0).
# Needs node >= 20 and npm; the only network access is the npm registry, and
# only when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
node gen-vectors.mjs
