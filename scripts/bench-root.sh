#!/usr/bin/env bash
# bench-root.sh DIR: a real root that `xensetup init` has configured, for `npm run bench --
# --converged-root DIR` (the converged re-run). Debian 13 from test/lib/debian-root.sh's cache, then
# init --root with the arguments the bench re-runs it with (on a DIR that exists, only that: init
# converges it, or has nothing to do). Needs root (debootstrap, chroot, apt in the root).
set -euo pipefail
dir="${1:?usage: bench-root.sh DIR}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ -d "$dir" ]] || bash "$repo/test/lib/debian-root.sh" trixie "$dir"
# The same arguments as scripts/bench.js's re-run, so that re-run has nothing to do.
node "$repo/bin/run.js" init --root "$dir" --yes --uplink ens3 --dom0-mem 1024M >"$dir.log" 2>&1 || { tail -n 30 "$dir.log" >&2; exit 1; }
echo "bench-root: $dir configured (log: $dir.log)" >&2
