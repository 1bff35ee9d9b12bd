#!/bin/sh
# Installs the Python MCP SDK the 2026-07-28 tests use (requirements.txt) into VENV, once: skipped
# while VENV holds a copy of the same requirements. Run by mandate-gateway's build
# (generate-test-resources); needs python3 with venv, and pip's configured index.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:?usage: install-venv.sh VENV}
if [ -x "$venv/bin/python" ] && cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
# pip warns about every index location it cannot read; keep its output in a log, shown on failure.
log="$venv.log"
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --retries 0 \
    -r "$here/requirements.txt" >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
cp "$here/requirements.txt" "$venv/requirements.txt"
