#!/usr/bin/env bash
# bench/alloc-per-request.sh - cost per proxied request of the built Gatehouse distribution: heap bytes
# allocated on the event loop threads, CPU time of the whole JVM, and the same CPU figure for an nginx
# reverse proxy measured in the same run.
#
# USAGE  bench/alloc-per-request.sh [-w WARM_S] [-d MEASURE_S] [-c CONNS] [-a TOP] [-e] [-j JAR] [-k]
#   -w  gateway warm-up (JIT), seconds                                  [40]
#   -d  duration of each measured window, seconds                        [15]
#   -c  wrk connections                                                  [50]
#   -a  also print the TOP allocation sites (bytes per request and share)   [0 = no]
#   -e  evener allocation sampling for -a: fixed 4088-byte TLABs and an unthrottled JFR allocation sampler,
#       so every TLAB refill is a sample. Slower, so only the allocation figures count, and some objects
#       are still over-weighted: read the sites as a list. Without -e, JFR's throttled samples can be
#       biased heavily: a loop that allocates the same sequence every request makes TLAB refills
#       phase-lock with it, and one site takes the blame for the bytes of all.
#   -j  run this Gatehouse bundle instead of the assembly's copy of it (repeatable; matched by artifactId,
#       e.g. -j bundles/dataplane/target/gatehouse-dataplane-0.1.0-SNAPSHOT.jar after building one module)
#   -k  keep the work dir (gateway log, JFR recording)
#   env GW_JAVA_OPTS  extra JVM flags for the gateway (e.g. -XX:+UseParallelGC); HEAP (default 1g);
#       GW_SETTINGS  settings for the gateway's etc, space-separated file:key=value (e.g.
#       "io.gatehouse.core.cfg:accessLog=false" to measure the access log's cost against the same build)
#
# Like bench/run.sh: a private copy of karaf-assembly/target/assembly with bench/proxy-only.yaml as its
# embedded default, an nginx upstream on 127.0.0.1:18080 answering "hello\n" (as
# ../shared/bench/gateway-bench.sh makes it) and an nginx peer proxy; gateway, upstream and peer pinned
# to cpu1, wrk on cpu0. While port 18080 is taken (another benchmark is running) it waits, up to
# WAIT_S seconds (default 900), and never sends load to a server it did not start.
#
# Windows, after the warm-up: (1) wrk --latency on the gateway: rps, p99 and CPU per request from
# /proc/<pid>/stat utime+stime; (2) the same on the nginx peer (master + worker CPU); (3) wrk on the
# gateway again under `JFR.start settings=profile`: bytes allocated by the gatehouse-io-* threads
# (jdk.ThreadAllocationStatistics, last minus first value per thread) / requests. JFR runs only in (3),
# so its own overhead does not inflate the CPU figure. Everything started here is stopped at exit.
#
# Last line: alloc_per_request_bytes=... cpu_per_request_us=... rps=... p99_ms=... nginx_... (key=value)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=$ROOT/karaf-assembly/target/assembly
WARM=40 DUR=15 CONNS=50 TOP=0 KEEP=0 JARS="" EXACT=0
while getopts "w:d:c:a:j:ekh" o; do
  case $o in
    w) WARM=$OPTARG ;; d) DUR=$OPTARG ;; c) CONNS=$OPTARG ;; a) TOP=$OPTARG ;; j) JARS="$JARS $OPTARG" ;; e) EXACT=1 ;;
    k) KEEP=1 ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 1 ;;
  esac
done
HEAP=${HEAP:-1g}
WAIT_S=${WAIT_S:-900}
UPSTREAM_PORT=18080

die() { echo "alloc-per-request: $*" >&2; exit 1; }
for b in wrk nginx curl ss taskset setsid jcmd jfr python3; do
  command -v "$b" >/dev/null 2>&1 || die "missing '$b'"
done
[ -x "$DIST/bin/karaf" ] || die "no assembly at $DIST (cd $ROOT && mvn -B -q install -DskipTests)"
for j in $JARS; do [ -f "$j" ] || die "no such jar: $j"; done
export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
if [ "$(nproc)" -ge 2 ]; then PIN_WRK="taskset -c 0"; PIN_SRV="taskset -c 1"; else PIN_WRK=""; PIN_SRV=""; fi

port_free() { [ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }
free_port() { local p; for p in $(seq "$1" $(( $1 + 200 ))); do port_free "$p" && { echo "$p"; return; }; done; return 1; }

waited=0
while ! port_free "$UPSTREAM_PORT"; do
  [ "$waited" -lt "$WAIT_S" ] || die "port $UPSTREAM_PORT still taken after ${WAIT_S}s (another benchmark?)"
  [ "$waited" = 0 ] && echo "# port $UPSTREAM_PORT is taken (another benchmark?): waiting" >&2
  sleep 10; waited=$(( waited + 10 ))
done

WORK=$(mktemp -d -t gatehouse-alloc.XXXXXX)
NGX_PIDS="" GW_PGID=""
cleanup() {
  local p
  if [ -n "$GW_PGID" ]; then
    kill -TERM -- "-$GW_PGID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 -- "-$GW_PGID" 2>/dev/null || break; sleep 0.3; done
    kill -KILL -- "-$GW_PGID" 2>/dev/null || true
  fi
  for p in $NGX_PIDS; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $NGX_PIDS; do
    for _ in $(seq 1 10); do kill -0 "$p" 2>/dev/null || break; sleep 0.3; done
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "# work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- nginx upstream + peer (same configuration as the shared harness) ---------------------------------
PEER_PORT=$(free_port 18181) || die "no free port for the nginx peer"
GW_PORT=$(free_port "${GW_PORT:-10090}") || die "no free port for the gateway"
ngx_common() {
  cat <<EOF
worker_processes 1;
daemon off;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 8192; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $WORK/$1/cb; proxy_temp_path $WORK/$1/pt;
  fastcgi_temp_path $WORK/$1/ft; uwsgi_temp_path $WORK/$1/ut; scgi_temp_path $WORK/$1/st;
  keepalive_requests 10000000; keepalive_timeout 120s;
EOF
}
mkdir -p "$WORK/up" "$WORK/peer"
{ ngx_common up; cat <<EOF
  server {
    listen 127.0.0.1:$UPSTREAM_PORT backlog=4096;
    location / { default_type text/plain; return 200 "hello\n"; }
  }
}
EOF
} > "$WORK/up/nginx.conf"
{ ngx_common peer; cat <<EOF
  upstream up { server 127.0.0.1:$UPSTREAM_PORT; keepalive 128; keepalive_requests 10000000; keepalive_timeout 120s; }
  server {
    listen 127.0.0.1:$PEER_PORT backlog=4096;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
EOF
} > "$WORK/peer/nginx.conf"
$PIN_SRV nginx -p "$WORK/up" -c "$WORK/up/nginx.conf" 2>>"$WORK/up/error.log" & NGX_PIDS="$NGX_PIDS $!"
$PIN_SRV nginx -p "$WORK/peer" -c "$WORK/peer/nginx.conf" 2>>"$WORK/peer/error.log" & PEER_PID=$!
NGX_PIDS="$NGX_PIDS $PEER_PID"

# ---- the gateway: a private copy of the assembly ------------------------------------------------------
cp -a "$DIST" "$WORK/gw"
rm -rf "$WORK/gw/data" "$WORK/gw/lock" "$WORK/gw/karaf.pid"
for j in $JARS; do
  artifact=$(basename "$j" | sed -E 's/-[0-9][^-]*(-SNAPSHOT)?\.jar$//')
  target=$(find "$WORK/gw/system/io/gatehouse/$artifact" -name "$artifact-*.jar" 2>/dev/null | head -1 || true)
  [ -n "$target" ] || die "the assembly has no $artifact bundle to replace"
  cp "$j" "$target"
done
sed -e "s/@GW_PORT@/$GW_PORT/" -e "s/127.0.0.1:18080/127.0.0.1:$UPSTREAM_PORT/" "$ROOT/bench/proxy-only.yaml" \
  > "$WORK/gw/etc/bench.yaml"
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
set_prop io.gatehouse.admin.cfg port "$(free_port 19900)"
set_prop org.apache.karaf.shell.cfg sshPort "$(free_port 18101)"
set_prop org.apache.karaf.management.cfg rmiRegistryPort "$(free_port 11099)"
set_prop org.apache.karaf.management.cfg rmiServerPort "$(free_port 44544)"
for setting in ${GW_SETTINGS:-}; do
  file=${setting%%:*} kv=${setting#*:}
  [ "$file" != "$setting" ] && [ "${kv#*=}" != "$kv" ] || die "GW_SETTINGS: '$setting' is not file:key=value"
  set_prop "$file" "${kv%%=*}" "${kv#*=}"
done
JFR_SETTINGS=profile
JVM_OPTS=${GW_JAVA_OPTS:-}
if [ "$EXACT" = 1 ]; then
  # 511 words: no common factor with a typical per-request size, so refills drift across the request
  JVM_OPTS="$JVM_OPTS -XX:TLABSize=4088 -XX:-ResizeTLAB"
  JFR_SETTINGS=$WORK/even.jfc
  cat > "$JFR_SETTINGS" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="every TLAB refill">
  <event name="jdk.ObjectAllocationSample">
    <setting name="enabled">true</setting>
    <setting name="throttle">off</setting>
    <setting name="stackTrace">true</setting>
  </event>
  <event name="jdk.ThreadAllocationStatistics">
    <setting name="enabled">true</setting>
    <setting name="period">everyChunk</setting>
  </event>
</configuration>
EOF
fi
# own process group, stopped as a whole at exit
GATEHOUSE_XMS=$HEAP GATEHOUSE_XMX=$HEAP EXTRA_JAVA_OPTS="$JVM_OPTS" \
  $PIN_SRV setsid "$WORK/gw/bin/karaf" server > "$WORK/gw.log" 2>&1 & GW_PGID=$!

GW_URL="http://127.0.0.1:$GW_PORT/"
PEER_URL="http://127.0.0.1:$PEER_PORT/"
wait_ok() { # url tries(0.5s)
  local i
  for i in $(seq 1 "$2"); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)" = 200 ] && return 0
    sleep 0.5
  done
  return 1
}
wait_ok "http://127.0.0.1:$UPSTREAM_PORT/" 40 || die "the nginx upstream did not come up"
wait_ok "$PEER_URL" 40 || die "the nginx peer did not come up"
wait_ok "$GW_URL" 360 || die "the gateway does not answer 200 at $GW_URL (log: $WORK/gw.log, kept with -k)"
GW_PID=""
for p in $(pgrep -g "$GW_PGID" java || true); do
  tr '\0' ' ' < "/proc/$p/cmdline" | grep -q -- "-Dkaraf.home=$WORK/gw " && GW_PID=$p
done
[ -n "$GW_PID" ] || die "cannot find the gateway's JVM"
PEER_WORKERS=$(pgrep -P "$PEER_PID" | tr '\n' ' ')

cpu_ticks() { # pids... -> utime+stime summed (clock ticks)
  local p t=0
  for p in "$@"; do
    t=$(( t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}') ))
  done
  echo "$t"
}
run_wrk() { # url seconds outfile
  timeout -k 5 $(( $2 + 20 )) $PIN_WRK wrk -t1 -c"$CONNS" -d"${2}s" --latency "$1" > "$3" 2>&1
}
thread_ticks() { # pid -> "tid ticks name" per thread
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s %s %s\n' "${t##*/}" "$(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')" "$(tr ' ' '_' < "$t/comm")"
  done 2>/dev/null
}
requests_of() { awk '/requests in/ {print $1}' "$1"; }
rps_of() { awk '/Requests\/sec:/ {printf "%.0f", $2}' "$1"; }
p99_of() {
  awk '$1=="99%" { v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)}
       else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v }' "$1"
}
errors_of() { awk '/Socket errors|Non-2xx/ {print; n++} END {if (!n) print "none"}' "$1" | tr '\n' ' '; }
HZ=$(getconf CLK_TCK)

echo "# gatehouse $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)${JARS:+ with$JARS}, heap $HEAP, jvm opts '${GW_JAVA_OPTS:-}', gw pid $GW_PID on :$GW_PORT"
echo "# warm-up ${WARM}s (nginx peer 5s)"
run_wrk "$GW_URL" "$WARM" "$WORK/warm.gw"
run_wrk "$PEER_URL" 5 "$WORK/warm.peer"

# (1) gateway rps / p99 / CPU (and which threads used it: a request should never leave its event loop)
thread_ticks "$GW_PID" > "$WORK/threads.0"
t0=$(cpu_ticks "$GW_PID")
run_wrk "$GW_URL" "$DUR" "$WORK/gw.txt"
t1=$(cpu_ticks "$GW_PID")
thread_ticks "$GW_PID" > "$WORK/threads.1"
GW_REQ=$(requests_of "$WORK/gw.txt")
GW_CPU_US=$(awk -v t=$(( t1 - t0 )) -v hz="$HZ" -v n="$GW_REQ" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')

# (2) nginx peer rps / p99 / CPU
t0=$(cpu_ticks "$PEER_PID" $PEER_WORKERS)
run_wrk "$PEER_URL" "$DUR" "$WORK/peer.txt"
t1=$(cpu_ticks "$PEER_PID" $PEER_WORKERS)
NG_REQ=$(requests_of "$WORK/peer.txt")
NG_CPU_US=$(awk -v t=$(( t1 - t0 )) -v hz="$HZ" -v n="$NG_REQ" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')

# (3) allocation under JFR
jcmd "$GW_PID" JFR.start name=alloc settings="$JFR_SETTINGS" > /dev/null
run_wrk "$GW_URL" "$DUR" "$WORK/gw-jfr.txt"
jcmd "$GW_PID" JFR.stop name=alloc filename="$WORK/alloc.jfr" > /dev/null
JFR_REQ=$(requests_of "$WORK/gw-jfr.txt")
jfr print --json --events jdk.ThreadAllocationStatistics "$WORK/alloc.jfr" > "$WORK/tas.json"
[ -s "$WORK/tas.json" ] || die "no allocation statistics in the recording"
ALLOC=$(python3 - "$WORK/tas.json" "$JFR_REQ" <<'EOF'
import json, sys
events = json.load(open(sys.argv[1]))["recording"]["events"]
seen = {}
for e in sorted(events, key=lambda e: e["values"]["startTime"]):
    v = e["values"]
    name = (v.get("thread") or {}).get("javaName") or ""
    if name.startswith("gatehouse-io-"):
        first, _ = seen.get(name, (v["allocated"], 0))
        seen[name] = (first, v["allocated"])
total = sum(last - first for first, last in seen.values())
print("%.0f %d" % (total / int(sys.argv[2]), len(seen)))
EOF
)
set -- $ALLOC
ALLOC_PER_REQ=$1 IO_THREADS=$2

if [ "$TOP" -gt 0 ]; then
  if [ "$EXACT" = 1 ]; then
    echo "# top $TOP allocation sites on gatehouse-io-* (every TLAB refill sampled): bytes per request, share"
  else
    echo "# top $TOP allocation sites on gatehouse-io-* (JFR samples, may be biased): bytes per request, share"
  fi
  jfr print --json --stack-depth 6 --events jdk.ObjectAllocationSample "$WORK/alloc.jfr" > "$WORK/oas.json"
  python3 - "$WORK/oas.json" "$TOP" "$JFR_REQ" <<'EOF'
import json, sys, collections
events = json.load(open(sys.argv[1]))["recording"]["events"]
requests = int(sys.argv[3])
by_site = collections.Counter()
total = 0
first = set()
for e in sorted(events, key=lambda e: e["values"]["startTime"]):
    v = e["values"]
    thread = (v.get("eventThread") or {}).get("javaName") or ""
    if not thread.startswith("gatehouse-io-"):
        continue
    if thread not in first:
        # its weight is everything the thread allocated before the recording started
        first.add(thread)
        continue
    frames = (v.get("stackTrace") or {}).get("frames") or []
    def fmt(f):
        m = f["method"]
        return m["type"]["name"].rsplit(".", 1)[-1] + "." + m["name"]
    site = " < ".join(fmt(f) for f in frames[:4])
    cls = (v.get("objectClass") or {}).get("name", "?")
    w = v["weight"]
    by_site[(cls, site)] += w
    total += w
for (cls, site), w in by_site.most_common(int(sys.argv[2])):
    print("  %6.1f B %5.1f%%  %-36s %s" % (w / requests, 100.0 * w / max(total, 1), cls.replace("/", "."),
                                         site.replace("/", ".")))
EOF
fi

echo "# gateway CPU by thread in window (1), share of the JVM's utime+stime (threads above 0.5%):"
awk -v total=$(( t1 - t0 )) 'NR == FNR {t0[$1] = $2; next}
  {d = $2 - t0[$1]; name[$3] += d} END {for (n in name) if (total > 0 && name[n] * 200 > total)
  printf "#   %5.1f%%  %s\n", 100 * name[n] / total, n}' "$WORK/threads.0" "$WORK/threads.1" | sort -k2 -rn
printf '# gateway: %s requests, %s rps, p99 %s ms, errors: %s\n' "$GW_REQ" "$(rps_of "$WORK/gw.txt")" \
  "$(p99_of "$WORK/gw.txt")" "$(errors_of "$WORK/gw.txt")"
printf '# nginx:   %s requests, %s rps, p99 %s ms, errors: %s\n' "$NG_REQ" "$(rps_of "$WORK/peer.txt")" \
  "$(p99_of "$WORK/peer.txt")" "$(errors_of "$WORK/peer.txt")"
printf '# jfr window: %s requests, %s rps, %s gatehouse-io threads\n' "$JFR_REQ" "$(rps_of "$WORK/gw-jfr.txt")" \
  "$IO_THREADS"
echo "alloc_per_request_bytes=$ALLOC_PER_REQ cpu_per_request_us=$GW_CPU_US rps=$(rps_of "$WORK/gw.txt")" \
  "p99_ms=$(p99_of "$WORK/gw.txt") nginx_cpu_per_request_us=$NG_CPU_US nginx_rps=$(rps_of "$WORK/peer.txt")" \
  "nginx_p99_ms=$(p99_of "$WORK/peer.txt")" \
  "rps_gw/nginx=$(awk -v a="$(rps_of "$WORK/gw.txt")" -v b="$(rps_of "$WORK/peer.txt")" 'BEGIN {printf "%.2f", a / b}')"
