#!/usr/bin/env bash
# Runs a real Apache Kafka (KRaft) on 127.0.0.1 for kafkats tests, from jars resolved out of Maven
# Central with Maven. No Docker, no release tarball.
#
#   scripts/kafka-local.sh fetch                      resolve the jars into the cache (once per version)
#   scripts/kafka-local.sh single-start | single-stop one combined broker+controller, 127.0.0.1:9092
#   scripts/kafka-local.sh single-acquire <pid>       start or share the single node for process <pid>
#   scripts/kafka-local.sh single-release <pid>       drop that lease; the last one stops a node it started
#   scripts/kafka-local.sh cluster-start | cluster-stop
#                                                     one controller (9193) + brokers 1..3 (9192/9292/9392)
#   scripts/kafka-local.sh cluster-kill <n>           SIGKILL broker n (1..3)
#   scripts/kafka-local.sh cluster-restart <n>        start broker n again on its existing data
#   scripts/kafka-local.sh status [single|cluster]    with an argument: exit 0 only if that is running
#   scripts/kafka-local.sh tool <main-class> [args…]  run a Kafka CLI class from the same jars; a short
#                                                     name (TopicCommand, ConsoleConsumer…) is looked up
#   scripts/kafka-local.sh classpath                  print the java classpath
#   scripts/kafka-local.sh secure-start | secure-stop one secured node (SASL, TLS, mTLS, ACLs; see its
#                                                     section); prints KEY=VALUE lines: listeners, PEM paths
#
# Environment (all optional):
#   KAFKA_VERSION                 Kafka release on Maven Central (default 4.4.0, the release src/protocol is
#                                 generated from; 3.9.x and 4.x also work: scripts/compat.sh runs the tests on them)
#   KAFKATS_KAFKA_CACHE           jar cache root (default $HOME/.cache/kafkats/kafka); one dir per version
#   KAFKATS_KAFKA_WORK            data/log/pid dir (default ${TMPDIR:-/tmp}/kafkats-kafka)
#   KAFKATS_MAVEN_REPO            Maven local repository to use instead of ~/.m2/repository
#   KAFKATS_LOG4J_VERSION         log4j2 version when the Kafka closure brings none (4.0.x); default 2.25.4
#   KAFKATS_KAFKA_HEAP            heap of the single node and of each cluster broker (default 512m / 384m)
#   KAFKATS_CONTROLLER_HEAP       heap of the cluster's controller (default 192m)
#   KAFKATS_TOOL_HEAP             heap of CLI tools (default 256m)
#   KAFKATS_START_TIMEOUT         seconds to wait for "Kafka Server started" (default 120)
#   KAFKATS_STOP_TIMEOUT          seconds between SIGTERM and SIGKILL (default 30)
#   KAFKATS_SINGLE_PORT           single node client port (default 9092; controller port = this + 1)
#   KAFKATS_CLUSTER_PORT_OFFSET   added to every cluster port (default 0)
#   KAFKATS_AUTO_CREATE_TOPICS    true|false; unset keeps Kafka's default (true)
#   KAFKATS_LOG_LEVEL             root log level of brokers (default WARN; the readiness line is always on)
#   KAFKATS_EXTRA_PROPS           file whose lines are appended to every broker's server.properties
#   KAFKATS_SCRAM_USERS           "user:password …" created (SHA-256 and SHA-512) when storage is formatted
#   KAFKATS_SECURE_PORT           first of the secured node's 4 ports (default 9692: SASL_PLAINTEXT, SSL, SASL_SSL, controller)
set -euo pipefail

readonly KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
readonly KAFKA_MAJOR=${KAFKA_VERSION%%.*}
readonly CACHE_ROOT=${KAFKATS_KAFKA_CACHE:-$HOME/.cache/kafkats/kafka}
readonly CACHE="$CACHE_ROOT/$KAFKA_VERSION"
readonly LIB="$CACHE/lib"
readonly WORK=${KAFKATS_KAFKA_WORK:-${TMPDIR:-/tmp}/kafkats-kafka}
readonly START_TIMEOUT=${KAFKATS_START_TIMEOUT:-120}
readonly STOP_TIMEOUT=${KAFKATS_STOP_TIMEOUT:-30}
readonly TOOL_HEAP=${KAFKATS_TOOL_HEAP:-256m}
readonly CONTROLLER_HEAP=${KAFKATS_CONTROLLER_HEAP:-192m}
readonly SINGLE_PORT=${KAFKATS_SINGLE_PORT:-9092}
readonly SINGLE_CONTROLLER_PORT=$((SINGLE_PORT + 1))
# Lets a second test run on the same machine use its own cluster (with its own KAFKATS_KAFKA_WORK).
readonly CLUSTER_PORT_OFFSET=${KAFKATS_CLUSTER_PORT_OFFSET:-0}
# Ports stay below Linux's ephemeral range (32768+), so an outgoing connection can never hold one.
readonly CLUSTER_CONTROLLER_PORT=$((9193 + CLUSTER_PORT_OFFSET))
readonly CLUSTER_CONTROLLER_ID=100
# Any 16 bytes as base64url; fixed so that every node of a cluster agrees without coordination.
readonly CLUSTER_ID=${KAFKATS_CLUSTER_ID:-a2Fma2F0cy10ZXN0LWNsdQ}
readonly READY_LINE='Kafka Server started'

die() { echo "kafka-local: $*" >&2; exit 1; }
say() { echo "kafka-local: $*" >&2; }

[[ $KAFKA_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "KAFKA_VERSION must look like 4.4.0, got '$KAFKA_VERSION'"
(( KAFKA_MAJOR >= 3 )) || die "Kafka $KAFKA_VERSION is not supported (KRaft from Maven jars needs 3.x or newer)"

cluster_broker_port() { echo $(($1 * 100 + 9092 + CLUSTER_PORT_OFFSET)); }   # 9192, 9292, 9392
# A second client listener per cluster broker, for the chaos suite's fault proxy: it listens on
# broker port + 5 and advertises broker port + 6, where test/chaos/support/fault-proxy.ts listens and
# forwards to it. Clients bootstrapped through the proxy get metadata that keeps them on it.
cluster_proxied_port() { echo $(($(cluster_broker_port "$1") + 5)); }      # 9197, 9297, 9397
cluster_proxy_port() { echo $(($(cluster_broker_port "$1") + 6)); }        # 9198, 9298, 9398
single_bootstrap() { echo "127.0.0.1:$SINGLE_PORT"; }
cluster_bootstrap() {
  echo "127.0.0.1:$(cluster_broker_port 1),127.0.0.1:$(cluster_broker_port 2),127.0.0.1:$(cluster_broker_port 3)"
}

# ---------------------------------------------------------------------------------------------------
# fetch: Maven resolves kafka_2.13 (broker, StorageTool) + kafka-tools (CLIs) into $LIB.

write_pom() {
  cat >"$CACHE/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kafkats.local</groupId>
  <artifactId>kafka-runtime-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
  </dependencies>
</project>
EOF
}

mvn_quiet() {
  local args=(-B -q) out
  [[ -n ${KAFKATS_MAVEN_REPO:-} ]] && args+=("-Dmaven.repo.local=$KAFKATS_MAVEN_REPO")
  if ! out=$(mvn "${args[@]}" "$@" </dev/null 2>&1); then
    printf '%s\n' "$out" | tail -n 30 >&2
    return 1
  fi
}

jar_version() {   # jar_version DIR ARTIFACT -> version of DIR/ARTIFACT-<version>.jar, or nothing
  local jar
  for jar in "$1/$2"-[0-9]*.jar; do
    [[ -f $jar ]] || continue
    jar=${jar##*/}; jar=${jar#"$2"-}; echo "${jar%.jar}"; return 0
  done
}

# The published POMs carry no SLF4J binding (the release tarball adds it separately); without one the
# broker logs nothing, so the readiness line never appears. 4.x logs through log4j2, 3.x through
# reload4j, which kafka-tools 3.x already depends on.
add_logging_binding() {
  local dir=$1 slf4j log4j plugin=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
  if (( KAFKA_MAJOR < 4 )); then
    [[ -n $(jar_version "$dir" slf4j-reload4j) ]] || die "Kafka $KAFKA_VERSION closure has no slf4j-reload4j binding"
    return 0
  fi
  slf4j=$(jar_version "$dir" slf4j-api)
  log4j=$(jar_version "$dir" log4j-core)
  local wanted=()
  if [[ -z $log4j ]]; then   # 4.0.x: server does not depend on log4j-core yet
    log4j=${KAFKATS_LOG4J_VERSION:-2.25.4}
    wanted+=("org.apache.logging.log4j:log4j-api:$log4j" "org.apache.logging.log4j:log4j-core:$log4j")
  fi
  if [[ $slf4j == 1.* ]]; then
    wanted+=("org.apache.logging.log4j:log4j-slf4j-impl:$log4j")
  else
    wanted+=("org.apache.logging.log4j:log4j-slf4j2-impl:$log4j")
  fi
  local artifact
  for artifact in "${wanted[@]}"; do
    mvn_quiet -f "$CACHE/pom.xml" "$plugin:copy" "-Dartifact=$artifact" "-DoutputDirectory=$dir" \
      || die "could not resolve $artifact"
  done
}

# Maps class names to their jar entries so that `tool TopicCommand` finds the class in any version.
write_class_index() {
  local dir=$1 jar
  for jar in "$dir"/kafka*.jar; do
    if command -v unzip >/dev/null; then unzip -Z1 "$jar"; else jar tf "$jar"; fi
  done | grep -E '^[A-Za-z0-9/_]+\.class$' | sed 's/\.class$//' | sort -u >"$dir/classes.txt"
}

fetch() {
  [[ -f $LIB/.complete ]] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka jars"
  command -v java >/dev/null || die "java is needed"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.fetch.lock"
  command -v flock >/dev/null && { flock -w 900 9 || die "timed out waiting for another fetch"; }
  [[ -f $LIB/.complete ]] && return 0   # another process finished it while we waited

  say "resolving Apache Kafka $KAFKA_VERSION from Maven Central into $CACHE"
  write_pom
  local staging="$CACHE/lib.partial"
  rm -rf "$staging"
  mvn_quiet -f "$CACHE/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime "-DoutputDirectory=$staging" \
    || die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (is it on Maven Central?)"
  local jar
  for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" "kafka-clients-$KAFKA_VERSION.jar"; do
    [[ -f $staging/$jar ]] || die "resolution finished without $jar"
  done
  add_logging_binding "$staging"
  write_class_index "$staging"
  rm -rf "$LIB"
  mv "$staging" "$LIB"
  touch "$LIB/.complete"
  say "cached $(find "$LIB" -name '*.jar' | wc -l) jars ($(du -sh "$LIB" | cut -f1)) in $LIB"
}

# ---------------------------------------------------------------------------------------------------
# logging and java command lines

# Writes the logging config for LEVEL (atomically: parallel formats read it while others write it)
# and prints the JVM flag that selects it.
log_config_flag() {
  local conf="$WORK/conf" level=${1:-WARN} file tmp
  mkdir -p "$conf"
  if (( KAFKA_MAJOR >= 4 )); then
    file="$conf/log4j2-$level.xml"
  else
    file="$conf/log4j-$level.properties"
  fi
  if [[ ! -f $file ]]; then
    tmp=$(mktemp "$conf/.log-config.XXXXXX")
    if (( KAFKA_MAJOR >= 4 )); then
      cat >"$tmp" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDERR" target="SYSTEM_ERR"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
    <Root level="$level"><AppenderRef ref="STDERR"/></Root>
  </Loggers>
</Configuration>
EOF
    else
      cat >"$tmp" <<EOF
log4j.rootLogger=$level, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
    fi
    mv -f "$tmp" "$file"
  fi
  if (( KAFKA_MAJOR >= 4 )); then
    echo "-Dlog4j2.configurationFile=$file"
  else
    echo "-Dlog4j.configuration=file:$file"
  fi
}

# zstd-jni and snappy-java unpack native code into java.io.tmpdir; keep it in our own dir in case /tmp is noexec.
common_jvm_flags() {
  mkdir -p "$WORK/tmp"
  printf '%s\n' -XX:-UsePerfData -Djava.awt.headless=true "-Djava.io.tmpdir=$WORK/tmp"
}

# Short-lived CLIs: C1 only and the serial collector start fastest on two cores.
run_tool() {
  fetch
  local main=$1; shift
  local flags=()
  mapfile -t flags < <(common_jvm_flags)
  local log_flag main_class
  log_flag=$(log_config_flag WARN)
  main_class=$(resolve_main_class "$main") || exit 1
  # exec: a caller that kills us on a timeout must reach the JVM itself.
  exec java "-Xmx$TOOL_HEAP" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${flags[@]}" "$log_flag" \
    -cp "$LIB/*" "$main_class" "$@"
}

resolve_main_class() {
  local name=$1
  if [[ $name == *.* ]]; then echo "$name"; return; fi
  local index="$LIB/classes.txt" path
  for path in "org/apache/kafka/tools/$name" "org/apache/kafka/tools/consumer/$name" \
              "org/apache/kafka/tools/consumer/group/$name" "kafka/tools/$name" "kafka/admin/$name"; do
    if grep -qxF "$path" "$index"; then echo "${path//\//.}"; return; fi
  done
  path=$(grep -E "(^|/)$name\$" "$index" | head -n 1 || true)
  [[ -n $path ]] || die "no class named $name in Kafka $KAFKA_VERSION"
  echo "${path//\//.}"
}

# ---------------------------------------------------------------------------------------------------
# node configuration

# broker_props RF MIN_ISR INTERNAL_PARTITIONS: broker-side settings shared by the single node and the cluster.
broker_props() {
  local rf=$1 min_isr=$2 partitions=$3
  cat <<EOF
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=$partitions
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=$partitions
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.dedupe.buffer.size=16777216
EOF
  if [[ -n ${KAFKATS_AUTO_CREATE_TOPICS:-} ]]; then
    echo "auto.create.topics.enable=$KAFKATS_AUTO_CREATE_TOPICS"
  fi
  if (( KAFKA_MAJOR >= 4 )); then
    # KIP-848 consumer groups and KIP-932 share groups: shorter heartbeats than the 5 s default so that
    # assignments settle quickly in tests; the session timeouts still tolerate a loaded two-core machine.
    cat <<EOF
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
share.coordinator.state.topic.num.partitions=$partitions
group.consumer.min.heartbeat.interval.ms=500
group.consumer.heartbeat.interval.ms=1000
group.consumer.min.session.timeout.ms=6000
group.consumer.session.timeout.ms=10000
group.share.min.heartbeat.interval.ms=500
group.share.heartbeat.interval.ms=1000
group.share.min.session.timeout.ms=6000
group.share.session.timeout.ms=10000
EOF
  fi
  if [[ -n ${KAFKATS_EXTRA_PROPS:-} ]]; then
    [[ -f $KAFKATS_EXTRA_PROPS ]] || die "KAFKATS_EXTRA_PROPS=$KAFKATS_EXTRA_PROPS is not a file"
    echo "# from $KAFKATS_EXTRA_PROPS"
    cat "$KAFKATS_EXTRA_PROPS"
  fi
}

write_single_props() {
  local dir=$1
  {
    cat <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$SINGLE_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$SINGLE_PORT,CONTROLLER://127.0.0.1:$SINGLE_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$SINGLE_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$dir/data
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS
EOF
    broker_props 1 1 1
  } >"$dir/server.properties"
}

write_controller_props() {
  local dir=$1
  cat >"$dir/server.properties" <<EOF
process.roles=controller
node.id=$CLUSTER_CONTROLLER_ID
controller.quorum.voters=$CLUSTER_CONTROLLER_ID@127.0.0.1:$CLUSTER_CONTROLLER_PORT
listeners=CONTROLLER://127.0.0.1:$CLUSTER_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.io.threads=2
num.network.threads=2
EOF
}

write_cluster_broker_props() {
  local dir=$1 n=$2 port
  port=$(cluster_broker_port "$n")
  {
    cat <<EOF
process.roles=broker
node.id=$n
controller.quorum.voters=$CLUSTER_CONTROLLER_ID@127.0.0.1:$CLUSTER_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$port,PROXIED://127.0.0.1:$(cluster_proxied_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$port,PROXIED://127.0.0.1:$(cluster_proxy_port "$n")
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$dir/data
# A SIGKILLed broker is fenced (and its leaderships move) after this, instead of the 9 s default.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=6000
EOF
    broker_props 3 2 6
  } >"$dir/server.properties"
}

format_node() {
  local dir=$1 args=() user
  for user in ${KAFKATS_SCRAM_USERS:-}; do
    args+=(--add-scram "SCRAM-SHA-256=[name=${user%%:*},password=${user#*:}]"
           --add-scram "SCRAM-SHA-512=[name=${user%%:*},password=${user#*:}]")
  done
  rm -rf "$dir/data"
  if ! (run_tool kafka.tools.StorageTool format "--cluster-id=$CLUSTER_ID" -c "$dir/server.properties" \
         "${args[@]+"${args[@]}"}") >"$dir/format.log" 2>&1; then
    cat "$dir/format.log" >&2
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------------
# processes

# Prints the pid of the Kafka JVM serving DIR when it is alive and really ours (the pid file could be
# stale and its number reused by an unrelated process).
node_pid() {
  local dir=$1 pid
  [[ -f $dir/kafka.pid ]] || return 1
  pid=$(<"$dir/kafka.pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  process_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/server.properties" || return 1
  echo "$pid"
}

start_node() {
  local dir=$1 heap=$2 flags=()
  mapfile -t flags < <(common_jvm_flags)
  [[ -f $dir/server.log ]] && mv -f "$dir/server.log" "$dir/server.log.prev"
  rm -f "$dir/kafka.pid"
  echo "$KAFKA_VERSION" >"$dir/version"
  # setsid: the broker must outlive the shell that started it and not see that shell's job-control
  # signals. setsid may fork, so $! is not the JVM's pid: the JVM's shell records its own pid, then execs.
  # The JVM must not inherit the lock descriptors (fd 8, 9), or it would hold those locks for its lifetime.
  setsid bash -c 'echo $$ >"$0.tmp" && mv -f "$0.tmp" "$0" && exec "$@"' "$dir/kafka.pid" \
    java "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError "${flags[@]}" \
    "$(log_config_flag "${KAFKATS_LOG_LEVEL:-WARN}")" -cp "$LIB/*" kafka.Kafka "$dir/server.properties" \
    >"$dir/server.log" 2>&1 </dev/null 8>&- 9>&- &
  local deadline=$((SECONDS + 10))
  until [[ -s $dir/kafka.pid ]]; do
    (( SECONDS < deadline )) || die "the Kafka process for $dir did not record its pid"
    sleep 0.05
  done
}

# Waits for every DIR to log the readiness line; on failure prints the culprit's log tail.
wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT)) dir pending
  while :; do
    pending=0
    for dir in "$@"; do
      grep -qF "$READY_LINE" "$dir/server.log" 2>/dev/null && continue
      if ! node_pid "$dir" >/dev/null; then
        say "the Kafka process of $dir exited before it was ready; last lines of $dir/server.log:"
        tail -n 40 "$dir/server.log" >&2 || true
        return 1
      fi
      pending=1
    done
    (( pending == 0 )) && return 0
    if (( SECONDS >= deadline )); then
      for dir in "$@"; do
        grep -qF "$READY_LINE" "$dir/server.log" 2>/dev/null && continue
        say "$dir not ready after ${START_TIMEOUT}s; last lines of $dir/server.log:"
        tail -n 40 "$dir/server.log" >&2 || true
      done
      return 1
    fi
    sleep 0.2
  done
}

# SIGTERM all DIRs at once (a broker's controlled shutdown needs the others), SIGKILL after the bound.
stop_nodes() {
  local dir pid pids=() deadline killed=0
  for dir in "$@"; do
    if pid=$(node_pid "$dir"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  while (( ${#pids[@]} > 0 )); do
    local alive=()
    for pid in "${pids[@]}"; do process_alive "$pid" && alive+=("$pid"); done
    pids=("${alive[@]+"${alive[@]}"}")
    (( ${#pids[@]} == 0 )) && break
    if (( SECONDS >= deadline )); then
      (( killed == 0 )) || die "pids ${pids[*]} survived SIGKILL"
      say "still running after ${STOP_TIMEOUT}s, sending SIGKILL to ${pids[*]}"
      kill -KILL "${pids[@]}" 2>/dev/null || true
      killed=1
      deadline=$((SECONDS + 10))
    fi
    sleep 0.2
  done
  for dir in "$@"; do rm -f "$dir/kafka.pid"; done
}

kill_node() {
  local dir=$1 pid deadline=$((SECONDS + 10))
  pid=$(node_pid "$dir") || die "$dir is not running"
  kill -KILL "$pid"
  while process_alive "$pid"; do
    (( SECONDS < deadline )) || die "pid $pid survived SIGKILL"
    sleep 0.1
  done
  rm -f "$dir/kafka.pid"
}

# A SIGKILLed JVM stays visible to `kill -0` as a zombie until its parent reaps it.
process_alive() {
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_ports() {
  local port
  for port in "$@"; do
    port_in_use "$port" && die "127.0.0.1:$port is already in use by a process this script did not start"
  done
  return 0
}

# ---------------------------------------------------------------------------------------------------
# commands

SINGLE_DIR="$WORK/single"
SINGLE_LEASES="$SINGLE_DIR/leases"
CLUSTER_DIR="$WORK/cluster"
CONTROLLER_DIR="$CLUSTER_DIR/controller"
broker_dir() { echo "$CLUSTER_DIR/broker$1"; }
all_cluster_dirs() { echo "$(broker_dir 1) $(broker_dir 2) $(broker_dir 3) $CONTROLLER_DIR"; }

single_start() {
  if node_pid "$SINGLE_DIR" >/dev/null; then
    local running
    running=$(cat "$SINGLE_DIR/version" 2>/dev/null || echo unknown)
    [[ $running == "$KAFKA_VERSION" ]] \
      || die "a single node of Kafka $running is running, Kafka $KAFKA_VERSION was asked for: set KAFKA_VERSION=$running to use it, or run single-stop first"
    if wait_ready "$SINGLE_DIR"; then
      say "single node (Kafka $running) already running"
      single_bootstrap
      return 0
    fi
    stop_nodes "$SINGLE_DIR"
  fi
  fetch
  require_free_ports "$SINGLE_PORT" "$SINGLE_CONTROLLER_PORT"
  mkdir -p "$SINGLE_DIR"
  rm -rf "$SINGLE_LEASES" "$SINGLE_DIR/started-for-leases"   # a fresh node has no users yet
  write_single_props "$SINGLE_DIR"
  format_node "$SINGLE_DIR" || die "formatting the single node's storage failed"
  local started=$SECONDS
  start_node "$SINGLE_DIR" "${KAFKATS_KAFKA_HEAP:-512m}"
  wait_ready "$SINGLE_DIR" || { stop_nodes "$SINGLE_DIR"; die "single node did not start"; }
  say "single node (Kafka $KAFKA_VERSION) ready in $((SECONDS - started))s"
  single_bootstrap
}

# Leases let concurrent test runs share the single node: each run holds one (named by its pid) while
# it uses the node, and a node that was started for a lease stops when the last live lease is
# released. A node started by hand (single-start) is never stopped by a release.
lock_single() {
  mkdir -p "$WORK"
  exec 8>"$WORK/.single.lock"
  if command -v flock >/dev/null; then flock -w 600 8 || die "timed out waiting for the single-node lock"; fi
}

require_owner_pid() {
  [[ ${1:-} =~ ^[0-9]+$ ]] || die "usage: single-acquire|single-release <pid of the process using the node>"
}

single_acquire() {
  local owner=${1:-} was_running=0 address
  require_owner_pid "$owner"
  lock_single
  node_pid "$SINGLE_DIR" >/dev/null && was_running=1
  address=$(single_start)
  (( was_running )) || touch "$SINGLE_DIR/started-for-leases"
  mkdir -p "$SINGLE_LEASES"
  touch "$SINGLE_LEASES/$owner"
  echo "$address"
}

single_release() {
  local owner=${1:-} lease pid
  require_owner_pid "$owner"
  lock_single
  rm -f "$SINGLE_LEASES/$owner"
  for lease in "$SINGLE_LEASES"/*; do
    [[ -e $lease ]] || continue
    pid=${lease##*/}
    if process_alive "$pid"; then
      say "single node kept: still leased by pid $pid"
      return 0
    fi
    rm -f "$lease"   # its holder died without releasing
  done
  if [[ -f $SINGLE_DIR/started-for-leases ]]; then
    stop_nodes "$SINGLE_DIR"
    rm -f "$SINGLE_DIR/started-for-leases"
  fi
}

cluster_start() {
  local dirs n
  read -r -a dirs <<<"$(all_cluster_dirs)"
  for n in "${dirs[@]}"; do
    node_pid "$n" >/dev/null && die "cluster node $n is already running; run cluster-stop first"
  done
  fetch
  require_free_ports "$(cluster_broker_port 1)" "$(cluster_broker_port 2)" "$(cluster_broker_port 3)" \
    "$(cluster_proxied_port 1)" "$(cluster_proxied_port 2)" "$(cluster_proxied_port 3)" "$CLUSTER_CONTROLLER_PORT"
  mkdir -p "$CONTROLLER_DIR"
  write_controller_props "$CONTROLLER_DIR"
  for n in 1 2 3; do
    mkdir -p "$(broker_dir "$n")"
    write_cluster_broker_props "$(broker_dir "$n")" "$n"
  done
  local pids=() pid failed=0
  for n in "${dirs[@]}"; do format_node "$n" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done   # a bare `wait` would hide a failure
  (( failed == 0 )) || die "formatting cluster storage failed"
  local started=$SECONDS
  start_node "$CONTROLLER_DIR" "$CONTROLLER_HEAP"
  for n in 1 2 3; do start_node "$(broker_dir "$n")" "${KAFKATS_KAFKA_HEAP:-384m}"; done
  wait_ready "${dirs[@]}" || { stop_nodes "${dirs[@]}"; die "cluster did not start"; }
  say "cluster (Kafka $KAFKA_VERSION, controller + 3 brokers) ready in $((SECONDS - started))s"
  cluster_bootstrap
}

cluster_stop() {
  # Brokers first, together, while the controller can still acknowledge their controlled shutdown.
  stop_nodes "$(broker_dir 1)" "$(broker_dir 2)" "$(broker_dir 3)"
  stop_nodes "$CONTROLLER_DIR"
}

require_broker_number() {
  [[ ${1:-} =~ ^[123]$ ]] || die "broker number must be 1, 2 or 3, got '${1:-}'"
}

cluster_restart() {
  local n=${1:-} dir
  require_broker_number "$n"
  dir=$(broker_dir "$n")
  node_pid "$dir" >/dev/null && die "broker $n is still running"
  [[ -f $dir/data/meta.properties ]] || die "broker $n was never formatted; run cluster-start"
  node_pid "$CONTROLLER_DIR" >/dev/null || die "the cluster's controller is not running"
  fetch
  require_free_ports "$(cluster_broker_port "$n")"
  local started=$SECONDS
  start_node "$dir" "${KAFKATS_KAFKA_HEAP:-384m}"
  wait_ready "$dir" || { stop_nodes "$dir"; die "broker $n did not restart"; }
  say "broker $n ready again in $((SECONDS - started))s"
  echo "127.0.0.1:$(cluster_broker_port "$n")"
}

# ---------------------------------------------------------------------------------------------------
# secured node (secure-start / secure-stop): one combined node in $WORK/secure with
#   SASL_PLAINTEXT 127.0.0.1:9692  PLAIN, SCRAM-SHA-256/512, OAUTHBEARER (unsecured JWS validator)
#   SSL            127.0.0.1:9693  mutual TLS required; the client certificate's CN is the principal
#   SASL_SSL       127.0.0.1:9694  the same mechanisms over TLS
#   CONTROLLER     127.0.0.1:9695  PLAINTEXT, hence User:ANONYMOUS is a super user
# Users: admin/admin-secret (super user) and alice/alice-secret (no ACLs). Sessions last at most
# connections.max.reauth.ms=10000, so clients must re-authenticate (KIP-368). Test credentials only.

readonly SECURE_PORT=${KAFKATS_SECURE_PORT:-9692}
SECURE_DIR="$WORK/secure"
readonly SECURE_STORE_PASSWORD=changeit

# make_certs DIR: a test CA, a broker certificate for localhost/127.0.0.1 and a client certificate
# (CN=admin) signed by it, as PKCS12 stores for the broker and PEM files for Node.
make_certs() {
  local certs=$1/certs P=$SECURE_STORE_PASSWORD
  [[ -f $certs/client-key.pem ]] && return 0
  rm -rf "$certs" && mkdir -p "$certs"
  (
    set -e
    cd "$certs"
    keytool -genkeypair -alias ca -keyalg RSA -keysize 2048 -validity 3650 -dname "CN=kafkats-test-ca" -ext bc:c \
      -keystore ca.p12 -storetype PKCS12 -storepass $P -keypass $P -noprompt
    keytool -exportcert -alias ca -keystore ca.p12 -storepass $P -rfc -file ca.pem
    keytool -genkeypair -alias kafka -keyalg RSA -keysize 2048 -validity 3650 -dname "CN=localhost" \
      -keystore server.p12 -storetype PKCS12 -storepass $P -keypass $P -noprompt
    keytool -certreq -alias kafka -keystore server.p12 -storepass $P -file server.csr
    keytool -gencert -alias ca -keystore ca.p12 -storepass $P -infile server.csr -outfile server.crt -rfc \
      -validity 3650 -ext "SAN=DNS:localhost,IP:127.0.0.1" -ext ku:c=digitalSignature,keyEncipherment \
      -ext eku=serverAuth,clientAuth
    keytool -importcert -alias ca -keystore server.p12 -storepass $P -file ca.pem -noprompt
    keytool -importcert -alias kafka -keystore server.p12 -storepass $P -file server.crt -noprompt
    keytool -importcert -alias ca -keystore truststore.p12 -storetype PKCS12 -storepass $P -file ca.pem -noprompt
    keytool -genkeypair -alias client -keyalg RSA -keysize 2048 -validity 3650 -dname "CN=admin" \
      -keystore client.p12 -storetype PKCS12 -storepass $P -keypass $P -noprompt
    keytool -certreq -alias client -keystore client.p12 -storepass $P -file client.csr
    keytool -gencert -alias ca -keystore ca.p12 -storepass $P -infile client.csr -outfile client.pem -rfc \
      -validity 3650 -ext eku=clientAuth
    openssl pkcs12 -in client.p12 -passin pass:$P -nodes -nocerts | openssl pkey -out client-key.pem
  ) >"$1/certs.log" 2>&1 || { cat "$1/certs.log" >&2; die "making test certificates failed"; }
}

write_secure_props() {
  local dir=$1 P=$SECURE_STORE_PASSWORD listener mechanism
  local sp=$SECURE_PORT ssl=$((SECURE_PORT + 1)) sasl_ssl=$((SECURE_PORT + 2)) controller=$((SECURE_PORT + 3))
  {
    cat <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=SASL_PLAINTEXT://127.0.0.1:$sp,SSL://127.0.0.1:$ssl,SASL_SSL://127.0.0.1:$sasl_ssl,CONTROLLER://127.0.0.1:$controller
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$sp,SSL://127.0.0.1:$ssl,SASL_SSL://127.0.0.1:$sasl_ssl
inter.broker.listener.name=SASL_PLAINTEXT
sasl.mechanism.inter.broker.protocol=PLAIN
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
log.dirs=$dir/data
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER
connections.max.reauth.ms=10000
ssl.keystore.type=PKCS12
ssl.keystore.location=$dir/certs/server.p12
ssl.keystore.password=$P
ssl.key.password=$P
ssl.truststore.type=PKCS12
ssl.truststore.location=$dir/certs/truststore.p12
ssl.truststore.password=$P
listener.name.ssl.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([^,]*).*\$/\$1/,DEFAULT
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
EOF
    for listener in sasl_plaintext sasl_ssl; do
      echo "listener.name.$listener.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";"
      for mechanism in scram-sha-256 scram-sha-512; do
        echo "listener.name.$listener.$mechanism.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"admin-secret\";"
      done
      echo "listener.name.$listener.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"admin\";"
    done
    broker_props 1 1 1
  } >"$dir/server.properties"
}

secure_describe() {
  cat <<EOF
SASL_PLAINTEXT=127.0.0.1:$SECURE_PORT
SSL=127.0.0.1:$((SECURE_PORT + 1))
SASL_SSL=127.0.0.1:$((SECURE_PORT + 2))
CA_PEM=$SECURE_DIR/certs/ca.pem
CLIENT_CERT_PEM=$SECURE_DIR/certs/client.pem
CLIENT_KEY_PEM=$SECURE_DIR/certs/client-key.pem
EOF
}

secure_start() {
  if node_pid "$SECURE_DIR" >/dev/null && wait_ready "$SECURE_DIR"; then
    say "secured node already running"
    secure_describe
    return 0
  fi
  stop_nodes "$SECURE_DIR"
  fetch
  require_free_ports "$SECURE_PORT" $((SECURE_PORT + 1)) $((SECURE_PORT + 2)) $((SECURE_PORT + 3))
  mkdir -p "$SECURE_DIR"
  make_certs "$SECURE_DIR"
  write_secure_props "$SECURE_DIR"
  KAFKATS_SCRAM_USERS="admin:admin-secret alice:alice-secret" format_node "$SECURE_DIR" \
    || die "formatting the secured node's storage failed"
  local started=$SECONDS
  start_node "$SECURE_DIR" "${KAFKATS_KAFKA_HEAP:-512m}"
  wait_ready "$SECURE_DIR" || { stop_nodes "$SECURE_DIR"; die "secured node did not start"; }
  say "secured node (Kafka $KAFKA_VERSION) ready in $((SECONDS - started))s"
  secure_describe
}

describe() {   # describe NAME DIR ENDPOINT -> one status line; exit 0 when running
  local pid
  if pid=$(node_pid "$2"); then
    echo "$1: running pid=$pid kafka=$(cat "$2/version" 2>/dev/null) endpoint=$3"
  else
    echo "$1: stopped"
    return 1
  fi
}

status() {
  local which=${1:-all} ok=0 n
  if [[ $which == all || $which == single ]]; then
    describe single "$SINGLE_DIR" "$(single_bootstrap)" || ok=1
  fi
  if [[ $which == all || $which == cluster ]]; then
    describe controller "$CONTROLLER_DIR" "127.0.0.1:$CLUSTER_CONTROLLER_PORT" || ok=1
    for n in 1 2 3; do describe "broker$n" "$(broker_dir "$n")" "127.0.0.1:$(cluster_broker_port "$n")" || ok=1; done
  fi
  [[ $which == all ]] && return 0
  return "$ok"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case "$cmd" in
  fetch) fetch; echo "$LIB" ;;
  classpath) fetch; echo "$LIB/*" ;;
  single-start) single_start ;;
  single-stop) stop_nodes "$SINGLE_DIR"; rm -rf "$SINGLE_LEASES" "$SINGLE_DIR/started-for-leases" ;;
  single-acquire) single_acquire "${1:-}" ;;
  single-release) single_release "${1:-}" ;;
  cluster-start) cluster_start ;;
  cluster-stop) cluster_stop ;;
  cluster-kill) require_broker_number "${1:-}"; kill_node "$(broker_dir "$1")" ;;
  cluster-restart) cluster_restart "${1:-}" ;;
  secure-start) secure_start ;;
  secure-stop) stop_nodes "$SECURE_DIR" ;;
  status) status "${1:-all}" ;;
  tool) [[ $# -gt 0 ]] || die "usage: tool <main-class> [args…]"; run_tool "$@" ;;
  *) usage ;;
esac
