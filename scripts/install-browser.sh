#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the end-to-end UI test (skipped quietly when present).
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: /usr/bin/chromium or fonts-noto-cjk missing and cannot apt-get install them here;" \
       "the browser test will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk fontconfig >/dev/null
