#!/usr/bin/env bash
# Proves every package installs from its packed tarball with plain `npm install` (dependencies from the registry)
# into an empty directory, and loads there through both `import` and `require`, with the same exports.
# Run after `pnpm build`. Internal dependencies (@tickstock/*) are satisfied by the sibling tarballs.
# Then the READMEs' TypeScript snippets are type-checked in that project against the installed tarballs, strictly and
# without skipLibCheck, and the ones marked to run are run (scripts/snippets/readme-snippets.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/tickstock-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tarballs" "$work/app"
# The README snippets are extracted first (a bad marker fails before anything is packed); checked at the end.
snippet_deps=$(node scripts/snippets/readme-snippets.mjs prepare "$work/app")

packages=()
for dir in packages/*/; do
  name=$(node -p "require('./${dir}package.json').name")
  [ "$(node -p "require('./${dir}package.json').private || false")" = "true" ] && continue
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
  packages+=("$name")
done

cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz >/dev/null

for name in "${packages[@]}"; do
  subpaths=$(node -p "Object.keys(require('$work/app/node_modules/$name/package.json').exports).filter(k => k !== './package.json').join(' ')")
  for sub in $subpaths; do
    spec="$name${sub#.}"
    esm=$(node --input-type=module -e "const m = await import('$spec'); console.log(Object.keys(m).filter(k => k !== 'default').sort().join(','))")
    cjs=$(node -e "console.log(Object.keys(require('$spec')).sort().join(','))" 2>&1)
    if [ -z "$esm" ] || [ "$esm" != "$cjs" ]; then
      echo "pack-check: $spec: import and require differ or export nothing" >&2
      echo "  import:  $esm" >&2
      echo "  require: $cjs" >&2
      exit 1
    fi
    echo "pack-check: $spec ok via import and require ($(echo "$esm" | tr ',' '\n' | wc -l) exports)"
  done
done

# The store alone, from its tarball and market-time's: its installed tree (`npm ls --all`) holds no HTTP client, neither
# massive-client nor bottleneck; market-time itself installs with no dependency at all.
mkdir -p "$work/store-only"
(
  cd "$work/store-only"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/tickstock-ohlcv-store-*.tgz "$work"/tarballs/tickstock-market-time-*.tgz >/dev/null
  tree=$(npm ls --all --parseable --long 2>&1 || true)
  for unwanted in @tickstock/massive-client bottleneck; do
    if echo "$tree" | grep -q "node_modules/$unwanted[:/]"; then
      echo "pack-check: a tarball-installed @tickstock/ohlcv-store brings $unwanted:" >&2
      npm ls --all >&2 || true
      exit 1
    fi
  done
  deps=$(node -p "Object.keys(require('./node_modules/@tickstock/market-time/package.json').dependencies || {}).join(' ')")
  if [ -n "$deps" ]; then
    echo "pack-check: @tickstock/market-time must have no runtime dependencies, has: $deps" >&2
    exit 1
  fi
  node --input-type=module -e "const { openStore, STORE_TIMEFRAME } = await import('@tickstock/ohlcv-store'); if (typeof openStore !== 'function' || STORE_TIMEFRAME.hour !== 'hourly') process.exit(1);"
  node -e "const { openStore } = require('@tickstock/ohlcv-store'); if (typeof openStore !== 'function') process.exit(1);"
)
echo "pack-check: @tickstock/ohlcv-store installs alone without massive-client or bottleneck (npm ls --all); market-time has no dependencies"

# The installed CLI does a real load: simulator -> embedded database, from the tarballs alone.
out=$(cd "$work/app" && TICKSTOCK_DATA_DIR="$work/app/db" ./node_modules/.bin/tickstock load AAPL X:BTCUSD --simulator --days 10 --timeframes day,week --json)
status=$(node -e 'console.log(JSON.parse(process.argv[1]).status)' "$out")
if [ "$status" != "completed" ]; then
  echo "pack-check: installed tickstock CLI load did not complete:" >&2
  echo "$out" >&2
  exit 1
fi
echo "pack-check: installed tickstock CLI loaded bars from the simulator into an embedded database ($status)"

# The README snippets, as a reader copies them into this project: the packages they import besides ours (e.g.
# ioredis) and @types/node are installed next to the tarballs (only now, so that the checks above still prove each
# tarball brings its own dependencies), then every snippet is type-checked with `tsc --strict --noEmit` (no
# skipLibCheck) and the ones marked `<!-- snippet:run -->` are run against the simulator and an embedded database.
# shellcheck disable=SC2086 # one name@version per line
npm install --no-audit --no-fund --loglevel=error --save-exact $snippet_deps >/dev/null
node "$root/scripts/snippets/readme-snippets.mjs" check "$work/app"
