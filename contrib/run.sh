#!/usr/bin/env bash
# Sets up and runs erpd on its embedded defaults: SQLite in ./data, the
# shipped policies, modules and web UI, on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."

contrib/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec ./build/erpd serve
