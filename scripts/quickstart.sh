#!/usr/bin/env bash
# One command per goal, on a fresh Debian machine with Node.js 20.19+ (run from the repository root):
#   bash scripts/quickstart.sh demo   install what is needed and run the offline demo (simulator + embedded database)
#   bash scripts/quickstart.sh test   install what is needed (incl. PostgreSQL 15 and Redis 7) and run every test
# Anything already installed is left alone, so re-running is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9

ensure_pnpm() {
  if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    echo "quickstart: installing pnpm $PNPM_VERSION" >&2
    npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || npm install -g "pnpm@$PNPM_VERSION"
  fi
}

ensure_deps() {
  # Reinstall only when the lockfile changed since the last install.
  if [ ! -f node_modules/.pnpm-lock-stamp ] || ! cmp -s pnpm-lock.yaml node_modules/.pnpm-lock-stamp; then
    CI=true pnpm install --frozen-lockfile
    cp pnpm-lock.yaml node_modules/.pnpm-lock-stamp
  fi
}

ensure_build() {
  # Some tests read the packages as published (their built type declarations, the library entry in a fresh process):
  # build when a package has no build yet, or a source newer than it.
  local p
  for p in packages/*/; do
    if [ ! -f "$p/dist/index.js" ] || [ -n "$(find "$p/src" "$p/package.json" -newer "$p/dist/index.js" -print -quit 2>/dev/null)" ]; then
      echo "quickstart: building the packages" >&2
      pnpm --silent build >/dev/null
      return
    fi
  done
}

case "${1:-}" in
  demo)
    shift
    ensure_pnpm
    ensure_deps
    exec pnpm --silent demo "$@"
    ;;
  test)
    shift
    ensure_pnpm
    ensure_deps
    bash scripts/services.sh install
    ensure_build
    exec pnpm --silent test "$@"
    ;;
  *)
    echo "usage: bash scripts/quickstart.sh demo|test" >&2
    exit 2
    ;;
esac
