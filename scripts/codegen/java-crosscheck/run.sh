#!/usr/bin/env bash
# Cross-checks the generated codecs against Kafka's own Java message classes (needs Java 17+ and
# Maven; fetches kafka-clients from Maven Central once). Usage: scripts/codegen/java-crosscheck/run.sh [kafka-version]
set -euo pipefail
version="${1:-4.3.1}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

jar="$HOME/.m2/repository/org/apache/kafka/kafka-clients/$version/kafka-clients-$version.jar"
[[ -f "$jar" ]] || mvn -q dependency:get -Dartifact="org.apache.kafka:kafka-clients:$version" -Dtransitive=false
(cd "$repo" && npx tsx "$here/write-samples.ts" "$work/samples")
javac -d "$work/classes" -cp "$jar" "$here/JavaRoundTrip.java"
java -cp "$jar:$work/classes" JavaRoundTrip "$work/samples"
