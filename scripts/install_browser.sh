#!/usr/bin/env sh
# Install Debian's Chromium and its driver for the browser tests (tests/browser/), if missing.
# Idempotent and quiet: does nothing when /usr/bin/chromium already exists. Needs root (or sudo).
# Playwright drives this system Chromium; `playwright install` (a download) is never used.
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install_browser.sh: /usr/bin/chromium is missing and this user cannot run apt-get (need root or sudo)" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
LOG=$(mktemp)
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core; } >"$LOG" 2>&1; then
    cat "$LOG" >&2
    rm -f "$LOG"
    echo "install_browser.sh: apt-get failed (output above)" >&2
    exit 1
fi
rm -f "$LOG"
echo "install_browser.sh: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
