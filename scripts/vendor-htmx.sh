#!/usr/bin/env bash
# The web app's one JavaScript library, htmx, vendored at set-up from the npm registry: a pinned
# version whose package SHA-256 is checked, unpacked into the static files. Nothing is loaded
# from a CDN at run time. Idempotent: does nothing when the checked file is already in place.
#
#   scripts/vendor-htmx.sh [DEST_DIR]     (default: kneechain/web/static/vendor)
set -euo pipefail

VERSION=2.0.11
PACKAGE_SHA256=165a2655073e9e6e55e307a7c74e8ebcdb76afb7701f9c16cfd106a13add408e
FILE_SHA256=d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
dest="${1:-kneechain/web/static/vendor}"
target="$dest/htmx.min.js"

if [[ -f "$target" ]] && echo "$FILE_SHA256  $target" | sha256sum --check --status; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "vendor-htmx: npm is not installed; the web pages work without htmx, only less smoothly" >&2
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$VERSION" >/dev/null)
tarball="$work/htmx.org-$VERSION.tgz"
if ! echo "$PACKAGE_SHA256  $tarball" | sha256sum --check --status; then
    echo "vendor-htmx: htmx.org@$VERSION from the registry does not match its pinned SHA-256; refusing it" >&2
    exit 1
fi
tar -xzf "$tarball" -C "$work" package/dist/htmx.min.js
echo "$FILE_SHA256  $work/package/dist/htmx.min.js" | sha256sum --check --status
mkdir -p "$dest"
install -m 0644 "$work/package/dist/htmx.min.js" "$target"
echo "vendor-htmx: htmx $VERSION installed in $dest"
