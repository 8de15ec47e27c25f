#!/usr/bin/env bash
# Proves every package installs from its packed tarball with plain `npm install` (dependencies from the registry)
# into an empty directory, and loads there through both `import` and `require`, with the same exports.
# Run after `pnpm build`. Internal dependencies (@tickstock/*) are satisfied by the sibling tarballs.
# Then massive-client and ohlcv-store are installed alone, each in its own directory, to prove their optional peers
# (bottleneck, PGlite) stay uninstalled and unneeded (scripts/pack-check/optional-deps.mjs; PostgreSQL from
# DATABASE_URL, else started with scripts/services.sh), and that the full install holds one ioredis.
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


# The wire schemas are a subpath of the job protocol (issue #22): there through import and require, not in the root.
for how in import require; do
  if [ "$how" = import ]; then
    got=$(cd "$work/app" && node --input-type=module -e "const s = await import('@tickstock/job-protocol/schemas'); const r = await import('@tickstock/job-protocol'); console.log(typeof s.dataLoadJobSchema?.safeParse, 'dataLoadJobSchema' in r)")
  else
    got=$(cd "$work/app" && node -e "const s = require('@tickstock/job-protocol/schemas'); const r = require('@tickstock/job-protocol'); console.log(typeof s.dataLoadJobSchema?.safeParse, 'dataLoadJobSchema' in r)")
  fi
  if [ "$got" != "function false" ]; then
    echo "pack-check: @tickstock/job-protocol/schemas via $how: expected the schemas there and not in the root, got: $got" >&2
    exit 1
  fi
done
echo "pack-check: @tickstock/job-protocol/schemas holds the wire schemas via import and require (the root does not)"


# The installed CLI does a real load: simulator -> embedded database, from the tarballs alone.
out=$(cd "$work/app" && TICKSTOCK_DATA_DIR="$work/app/db" ./node_modules/.bin/tickstock load AAPL X:BTCUSD --simulator --days 10 --timeframes day,week --json)
status=$(node -e 'console.log(JSON.parse(process.argv[1]).status)' "$out")
if [ "$status" != "completed" ]; then
  echo "pack-check: installed tickstock CLI load did not complete:" >&2
  echo "$out" >&2
  exit 1
fi
echo "pack-check: installed tickstock CLI loaded bars from the simulator into an embedded database ($status)"

# The simulator's bin from the installed tarball: it listens, answers a day-bars request in the recorded shape, stops.
sim_log="$work/simulator-bin.log"
(cd "$work/app" && exec ./node_modules/.bin/tickstock-simulator --port 0 --seed 1 --now 2025-06-10T15:00:00Z) >"$sim_log" 2>&1 &
sim_pid=$!
sim_url=
for _ in $(seq 1 100); do
  sim_url=$(sed -n 's/^Massive API simulator listening on \(http[^ ]*\) .*/\1/p' "$sim_log")
  [ -n "$sim_url" ] && break
  sleep 0.1
done
if [ -z "$sim_url" ]; then
  kill "$sim_pid" 2>/dev/null || true
  echo "pack-check: the installed tickstock-simulator bin did not start:" >&2
  cat "$sim_log" >&2
  exit 1
fi
sim_bars=$(node -e 'fetch(process.argv[1]).then((r) => r.json()).then((b) => console.log(b.status, b.resultsCount))' "$sim_url/v2/aggs/ticker/AAPL/range/1/day/2025-06-02/2025-06-06")
kill "$sim_pid"
wait "$sim_pid" || true
if [ "$sim_bars" != "OK 5" ]; then
  echo "pack-check: the installed tickstock-simulator bin answered \"$sim_bars\", expected \"OK 5\"" >&2
  exit 1
fi
echo "pack-check: installed tickstock-simulator bin served 5 day bars and stopped"

# Optional stays optional (issue #22): a package installed from its tarball alone (with the sibling tarballs of its
# @tickstock dependencies, as the registry would give them) installs none of its optional peers, and works without
# them from import and require; with one installed, what needs it works.
pglite_version=$(node -p "require('$root/packages/ohlcv-store/package.json').devDependencies['@electric-sql/pglite']")
checks="$root/scripts/pack-check/optional-deps.mjs"
# The tarballs of a package and of every @tickstock package it depends on.
closure() {
  node -e '
    const fs = require("fs"), path = require("path");
    const [root, tarballs, wanted] = process.argv.slice(1);
    const pkgs = Object.fromEntries(fs.readdirSync(path.join(root, "packages")).map((d) => {
      const p = JSON.parse(fs.readFileSync(path.join(root, "packages", d, "package.json"), "utf8"));
      return [p.name, p];
    }));
    const seen = new Set();
    const visit = (name) => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const dep of Object.keys(pkgs[name].dependencies ?? {})) if (pkgs[dep]) visit(dep);
    };
    visit(wanted);
    for (const name of seen) console.log(path.join(tarballs, `${name.slice(1).replace("/", "-")}-${pkgs[name].version}.tgz`));
  ' "$root" "$work/tarballs" "$1"
}
install_alone() { # <dir> <package>
  mkdir -p "$1"
  (cd "$1" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error $(closure "$2") >/dev/null)
}
# Fails when `npm ls` of the directory lists any of the given packages.
refuse_installed() { # <dir> <what> <package>...
  local dir=$1 what=$2 found
  shift 2
  for dep in "$@"; do
    found=$(cd "$dir" && npm ls --all --parseable "$dep" 2>/dev/null | grep . || true)
    if [ -n "$found" ]; then
      echo "pack-check: $what installs $dep, which must stay optional:" >&2
      (cd "$dir" && npm ls --all "$dep") >&2 || true
      exit 1
    fi
  done
  echo "pack-check: $what from its tarball installs none of: $*"
}
both() { # <dir> <check> [node options...]: the check through import, then require
  local dir=$1 check=$2
  shift 2
  # A copy in the directory: its imports resolve from that directory's node_modules, as a consumer's would.
  cp "$checks" "$dir/optional-deps.mjs"
  (cd "$dir" && export PGLITE_VERSION="$pglite_version" SIMULATOR_FROM="$work/app" && node "$@" optional-deps.mjs "$check" && node "$@" optional-deps.mjs "$check" --cjs)
}

# massive-client without bottleneck (an optional peer, never imported), then with it for a bottleneck instance.
# The client alone does not install the simulator either; the checks start one from the full install.
client_app="$work/client-alone"
install_alone "$client_app" @tickstock/massive-client
refuse_installed "$client_app" @tickstock/massive-client bottleneck ioredis @tickstock/massive-simulator
# The simulator alone brings no HTTP client: market-time is its only dependency.
install_alone "$work/simulator-alone" @tickstock/massive-simulator
refuse_installed "$work/simulator-alone" @tickstock/massive-simulator @tickstock/massive-client zod
both "$client_app" client
(cd "$client_app" && npm install --no-audit --no-fund --loglevel=error "bottleneck@$(node -p "require('$root/packages/massive-client/package.json').devDependencies.bottleneck")" >/dev/null)
both "$client_app" client-bottleneck

# ohlcv-store without PGlite: PostgreSQL works (PGlite never resolved, even once installed: refuse-pglite.mjs), an
# embedded database is a CONFIGURATION error naming what to install; with PGlite installed, an embedded one opens.
# PostgreSQL: DATABASE_URL when set, else a throwaway server (scripts/services.sh start postgres).
store_app="$work/store-alone"
install_alone "$store_app" @tickstock/ohlcv-store
# No HTTP client comes with the store (its time and Bar are market-time's), and market-time has no dependency at all.
refuse_installed "$store_app" @tickstock/ohlcv-store @tickstock/massive-client @electric-sql/pglite bottleneck
market_time_deps=$(cd "$store_app" && node -p "Object.keys(require('./node_modules/@tickstock/market-time/package.json').dependencies || {}).join(' ')")
if [ -n "$market_time_deps" ]; then
  echo "pack-check: @tickstock/market-time must have no runtime dependencies, has: $market_time_deps" >&2
  exit 1
fi
pg_dir=
if [ -z "${DATABASE_URL:-}" ]; then
  pg_env=$(cd / && bash "$root/scripts/services.sh" start postgres) # from /: PostgreSQL runs as another user
  pg_dir=$(echo "$pg_env" | sed -n 's/^SERVICES_DIR=//p')
  trap 'bash "$root/scripts/services.sh" stop "$pg_dir"; rm -rf "$work"' EXIT
  DATABASE_URL=$(echo "$pg_env" | sed -n 's/^DATABASE_URL=//p')
fi
refuse_pglite="$root/scripts/pack-check/refuse-pglite.mjs"
DATABASE_URL="$DATABASE_URL" both "$store_app" store-postgres --import "$refuse_pglite"
both "$store_app" store-no-pglite
(cd "$store_app" && npm install --no-audit --no-fund --loglevel=error "@electric-sql/pglite@$pglite_version" >/dev/null)
DATABASE_URL="$DATABASE_URL" both "$store_app" store-postgres --import "$refuse_pglite"
both "$store_app" store-embedded
if [ -n "$pg_dir" ]; then
  bash "$root/scripts/services.sh" stop "$pg_dir"
  trap 'rm -rf "$work"' EXIT
fi

# One ioredis in the full install: the runner's (a dependency), which BullMQ's and the job protocol's peers share.
ioredis_copies=$(cd "$work/app" && npm ls --all --parseable ioredis 2>/dev/null | grep . | sort -u || true)
if [ "$(echo "$ioredis_copies" | grep -c .)" != 1 ]; then
  echo "pack-check: expected one ioredis in the full install, found:" >&2
  (cd "$work/app" && npm ls --all ioredis) >&2 || true
  exit 1
fi
echo "pack-check: one ioredis in the full install, shared by the runner, BullMQ and the job protocol ($(node -p "require('$work/app/node_modules/ioredis/package.json').version"))"

# The README snippets, as a reader copies them into this project: the packages they import besides ours (e.g.
# ioredis) and @types/node are installed next to the tarballs (only now, so that the checks above still prove each
# tarball brings its own dependencies), then every snippet is type-checked with `tsc --strict --noEmit` (no
# skipLibCheck) and the ones marked `<!-- snippet:run -->` are run against the simulator and an embedded database.
# shellcheck disable=SC2086 # one name@version per line
npm install --no-audit --no-fund --loglevel=error --save-exact $snippet_deps >/dev/null
node "$root/scripts/snippets/readme-snippets.mjs" check "$work/app"
