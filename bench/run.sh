#!/usr/bin/env bash
# bench/run.sh - proxy-only pipeline benchmark of the built Gatehouse distribution against nginx,
# using ../shared/bench/gateway-bench.sh (direct / nginx / gateway in rotation, same run).
#
# USAGE  bench/run.sh [gateway-bench.sh options...]      e.g. bench/run.sh -n 3 -d 10 -w 60
#
# Starts a private copy of karaf-assembly/target/assembly (fresh data/, embedded default replaced by
# bench/proxy-only.yaml: one HTTPServer on 127.0.0.1:$GW_PORT, one pipeline with only the proxy plugin,
# proxying to the harness's upstream on 127.0.0.1:18080), pinned to cpu1 by the harness; wrk runs on
# cpu0. Prints the harness output, whose last line starts with SUMMARY.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench/gateway-bench.sh}
DIST=$ROOT/karaf-assembly/target/assembly
GW_PORT=${GW_PORT:-10090}
HEAP=${HEAP:-1g}

[ -x "$HARNESS" ] || { echo "bench: harness not found at $HARNESS" >&2; exit 1; }
missing=""
for b in wrk nginx curl ss taskset; do command -v "$b" >/dev/null 2>&1 || missing="$missing $b"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq wrk nginx curl iproute2 util-linux >/dev/null
  else
    echo "bench: missing:$missing (apt-get install -y wrk nginx curl iproute2 util-linux)" >&2; exit 1
  fi
fi
if [ ! -x "$DIST/bin/karaf" ]; then
  (cd "$ROOT" && mvn -B -q install -DskipTests)
fi
export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}

WORK=$(mktemp -d -t gatehouse-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp -a "$DIST" "$WORK/gw"
rm -rf "$WORK/gw/data"
sed "s/@GW_PORT@/$GW_PORT/" "$ROOT/bench/proxy-only.yaml" > "$WORK/gw/etc/bench.yaml"
set_prop() { # file key value
  local f="$WORK/gw/etc/$1"
  touch "$f"
  if grep -qE "^[[:space:]]*$2[[:space:]]*=" "$f"; then
    sed -i -E "s|^[[:space:]]*$2[[:space:]]*=.*|$2 = $3|" "$f"
  else
    echo "$2 = $3" >> "$f"
  fi
}
set_prop io.gatehouse.core.cfg defaults "$WORK/gw/etc/bench.yaml"
# the admin API and Karaf's remote ports on free ports, so a running gateway does not collide
free_port() { local p; for p in $(seq "$1" $(( $1 + 200 ))); do [ -z "$(ss -Htln "sport = :$p")" ] && { echo "$p"; return; }; done; }
set_prop io.gatehouse.admin.cfg port "$(free_port 19900)"
set_prop org.apache.karaf.shell.cfg sshPort "$(free_port 18101)"
set_prop org.apache.karaf.management.cfg rmiRegistryPort "$(free_port 11099)"
set_prop org.apache.karaf.management.cfg rmiServerPort "$(free_port 44544)"

echo "# gatehouse $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown), heap $HEAP, port $GW_PORT"
"$HARNESS" "$@" -s "GATEHOUSE_XMS=$HEAP GATEHOUSE_XMX=$HEAP exec '$WORK/gw/bin/karaf' server" "http://127.0.0.1:$GW_PORT/"
