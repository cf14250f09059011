#!/usr/bin/env bash
# Cross-checks the generated codecs against Kafka's own Java message classes (needs Java 17+; the
# kafka-clients jar comes from the scripts/kafka-local.sh cache, fetched from Maven Central when
# missing). Usage: scripts/codegen/java-crosscheck/run.sh [kafka-version]
# The version defaults to the one the code is generated from (PROTOCOL_KAFKA_VERSION).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
pinned="$(sed -n "s/^export const PROTOCOL_KAFKA_VERSION = '\(.*\)'.*/\1/p" "$repo/scripts/codegen/schema-source.ts")"
version="${1:-$pinned}"
[[ -n $version ]] || { echo "run.sh: no PROTOCOL_KAFKA_VERSION in schema-source.ts" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

KAFKA_VERSION="$version" bash "$repo/scripts/kafka-local.sh" fetch >/dev/null
jar="${KAFKATS_KAFKA_CACHE:-$HOME/.cache/kafkats/kafka}/$version/lib/kafka-clients-$version.jar"
[[ -f $jar ]] || { echo "run.sh: $jar missing after fetch" >&2; exit 1; }
(cd "$repo" && npx tsx "$here/write-samples.ts" "$work/samples" "$jar")
javac -d "$work/classes" -cp "$jar" "$here/JavaRoundTrip.java"
java -cp "$jar:$work/classes" JavaRoundTrip "$work/samples"
