#!/usr/bin/env bash
# Debian packages the project needs beside its Python ones, installed only when missing.
#
#   scripts/system-deps.sh runtime   libraries WeasyPrint loads to write PDF handouts
#   scripts/system-deps.sh test      runtime + what the test suite drives (PostgreSQL, Chromium)
#   scripts/system-deps.sh models    npm, which fetches the pinned BlazePose lite/heavy models
#
# Needs root and apt-get to install; without them it says what is missing and carries on, and the
# features that need a missing package report it clearly when used (tests skip with the reason).
set -uo pipefail

runtime=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
test_only=(postgresql chromium)  # chromium: the web app's browser tests (Playwright drives it)
models=(npm)

case "${1:-runtime}" in
    runtime) wanted=("${runtime[@]}") ;;
    test) wanted=("${runtime[@]}" "${test_only[@]}") ;;
    models) command -v npm >/dev/null 2>&1 && exit 0; wanted=("${models[@]}") ;;
    *) echo "usage: $0 runtime|test|models" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: apt-get not available; please install: ${missing[*]}" >&2; exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=sudo
    else
        echo "system-deps: not root; please run: sudo apt-get install -y ${missing[*]}" >&2; exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "system-deps: installing ${missing[*]}"
${SUDO:-} apt-get install -y -q "${missing[@]}" >/dev/null \
    || { ${SUDO:-} apt-get update -q >/dev/null && ${SUDO:-} apt-get install -y -q "${missing[@]}" >/dev/null; } \
    || echo "system-deps: apt-get could not install ${missing[*]}; features needing them will say so" >&2
exit 0
