#!/usr/bin/env bash
# Runs the integration tier, or its smoke subset, against an older Kafka release, on ports and in
# a work directory of its own, so it never meets the default node (9092), the chaos cluster, or a
# compatibility run of another release on the same machine.
#
#   scripts/compat.sh <release> [all|smoke] [vitest args…]
#   npm run test:compat -- 3.9 smoke          # test/integration/compat-smoke.test.ts on Kafka 3.9.2
#   npm run test:compat:4.3                   # the whole integration tier on Kafka 4.3.2
#
# <release> is a line (3.9, 4.3: the newest patch release this script knows) or a full version.
# Every line has a port offset (below); the single node listens on 9092 + offset, the cluster
# brokers on 9192/9292/9392 + offset, the secured node on 9692 + offset, the transaction-version-1
# node on 9592 + offset. Another release needs KAFKATS_COMPAT_PORT_OFFSET (a multiple of 1000 not
# used by another run). The run's brokers are stopped at the end, whatever the outcome.
#
# Environment: KAFKATS_COMPAT_PORT_OFFSET overrides the offset; KAFKATS_SKIP_CLUSTER=1 skips the
# three-broker failover tests; everything else goes to vitest and scripts/kafka-local.sh unchanged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
die() { echo "compat: $*" >&2; exit 2; }

# Newest patch release per line, and the line's port offset.
latest_of() { case $1 in 3.9) echo 3.9.2 ;; 4.3) echo 4.3.2 ;; *) return 1 ;; esac; }
offset_of() {
  case $1 in 3.9) echo 1000 ;; 4.0) echo 2000 ;; 4.1) echo 3000 ;; 4.2) echo 4000 ;; 4.3) echo 5000 ;; 4.4) echo 6000 ;; *) return 1 ;; esac
}

[[ $# -ge 1 ]] || die "usage: scripts/compat.sh <release: 3.9 | 4.3 | x.y.z> [all|smoke] [vitest args…]"
release=$1
shift
mode=all
if [[ ${1:-} == all || ${1:-} == smoke ]]; then mode=$1; shift; fi

if [[ $release =~ ^[0-9]+\.[0-9]+$ ]]; then
  version=$(latest_of "$release") || die "no known patch release of Kafka $release; pass a full version (x.y.z)"
elif [[ $release =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  version=$release
else
  die "release must look like 3.9 or 3.9.2, got '$release'"
fi
line=${version%.*}
offset=${KAFKATS_COMPAT_PORT_OFFSET:-$(offset_of "$line")} \
  || die "Kafka $line has no port offset here; set KAFKATS_COMPAT_PORT_OFFSET (e.g. 7000)"
[[ $offset =~ ^[1-9][0-9]*000$ ]] || die "KAFKATS_COMPAT_PORT_OFFSET must be a positive multiple of 1000, got '$offset'"
(( 9695 + offset < 32768 )) || die "port offset $offset reaches Linux's ephemeral port range"

work="${TMPDIR:-/tmp}/kafkats-compat-$version"
mkdir -p "$work/tmp"
export KAFKA_VERSION=$version
export KAFKATS_KAFKA_WORK="$work/kafka"
export KAFKATS_SINGLE_PORT=$((9092 + offset))
export KAFKATS_CLUSTER_PORT_OFFSET=$offset
export KAFKATS_SECURE_PORT=$((9692 + offset))
export KAFKATS_TV1_PORT=$((9592 + offset))
# Test files that keep state under os.tmpdir() (the transaction-version-1 node) get their own too.
export TMPDIR="$work/tmp"
unset KAFKA_BROKERS KAFKATS_BOOTSTRAP

kafka() { bash "$repo/scripts/kafka-local.sh" "$@"; }
cleanup() {
  kafka cluster-stop >/dev/null 2>&1 || true
  kafka secure-stop >/dev/null 2>&1 || true
  kafka single-stop >/dev/null 2>&1 || true
  KAFKATS_KAFKA_WORK="$TMPDIR/kafkats-kafka-tv1" KAFKATS_SINGLE_PORT=$KAFKATS_TV1_PORT kafka single-stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "compat: Kafka $version ($mode), single node 127.0.0.1:$KAFKATS_SINGLE_PORT, work dir $work" >&2
kafka fetch >/dev/null
cd "$repo"
if [[ $mode == smoke ]]; then
  npx vitest run --project integration test/integration/compat-smoke.test.ts "$@"
else
  npx vitest run --project integration "$@"
fi
