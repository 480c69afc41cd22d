#!/usr/bin/env bash
# bench/cluster.sh - cluster benchmark of the built distribution on 127.0.0.1: leader failover after kill -9,
# propagation of writes to every node, crash detection, write throughput with and without observers.
#
# USAGE  bench/cluster.sh [--quick] [options]          (bench/README.md: what it measures, how long it takes)
#
#   --trials T         failover trials (kill -9 of the leader, 3 voters)          default 10 (quick 2)
#   --pause-trials P   failover trials after SIGSTOP of the leader (SIGCONT after --pause-ms, default 8000)
#                                                                                  default 5  (quick 1)
#   --detect-trials N  crash detection trials (kill -9 of a follower voter)       default 5  (quick 1)
#   --writes W         propagation: writes to the leader, one at a time           default 500 (quick 50)
#                      (then 10 (quick 5) writes through each other node, for their latency)
#   --prop-voters V    propagation cluster: 5 nodes of which V vote (3 or 5)      default 3
#   --writers C        throughput: concurrent writers                             default 8
#   --duration D       throughput: seconds counted (after --warmup S, default 3)  default 20 (quick 5)
#   --observers O      throughput: observers next to the 3 voters                 default 10 (quick 2)
#   --phases LIST      comma-separated subset of failover,pause,detection,propagation,throughput (default all)
#   --port-shift S     every port of every node moves by S (launcher's GATEHOUSE_CLUSTER_PORT_SHIFT)  default 700
#   --settle MS        pause once the group is back before the next kill (default 2000)
#   --fast-boot        nodes run with EXTRA_JAVA_OPTS='-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' (README:
#                      half the CPU per boot, but C1 only: throughput figures are then not the product's)
#   --out DIR          results folder (default bench/results/cluster-<date>); --keep keeps the node folders
#
# How: the clusters are started and stopped with the launcher (`./gatehouse cluster start N`, each in a folder of
# its own under the results folder, with GATEHOUSE_CLUSTER_VOTERS and GATEHOUSE_CLUSTER_PORT_SHIFT); the
# measuring is bench/ClusterBench.java (JDK 17 only: java.net.http and a small JSON reader), compiled once into
# the results folder. Why a Java program and not curl: the figures are tens of milliseconds (propagation p99
# target 50 ms) and several nodes must be polled at the same time and back to back; one curl process per poll
# costs a few ms of fork/exec on this 2-core machine and would be the resolution, while a Java thread per node
# on a kept-alive connection polls at the round trip of one request (printed with the figures), with a
# monotonic clock. Java kills a node (kill -9 of the pid in its karaf.pid, after checking that the process's
# command line names that node's folder) and restarts it with `./gatehouse cluster start-node I`.
#
# Clusters, in this order (consecutive throughput runs, so the machine's load is as alike as possible):
#   c3  3 voters: failover, pause, detection, throughput without observers
#   cO  3 voters + O observers: throughput with observers (skipped when 3 + O = 5: the c5 cluster is used)
#   c5  5 nodes, --prop-voters of them voters: propagation (and throughput with 2 observers)
# Every process this script starts is stopped on exit (trap on EXIT, INT, TERM): `./gatehouse cluster stop`,
# then kill -9 by pid of any JVM still running with a node folder of this run. It refuses to start when a port
# it needs is taken. Output: one block per phase, then a summary and a final `SUMMARY key=value ...` line; all
# of it also in the results folder (output.txt), with every node's karaf.log.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=$ROOT/karaf-assembly/target/assembly
LAUNCHER=$ROOT/gatehouse

trials=10 pause_trials=5 pause_ms=8000 detect_trials=5 writes=500 via_writes=10 prop_voters=3 writers=8 duration=20 warmup=3 observers=10
phases=failover,pause,detection,propagation,throughput port_shift=700 settle=2000 fast_boot=false keep=false out="" quick=false
set_trials=false set_pause=false set_detect=false set_writes=false set_duration=false set_observers=false
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=true ;;
        --trials) trials=$2; set_trials=true; shift ;;
        --pause-trials) pause_trials=$2; set_pause=true; shift ;;
        --pause-ms) pause_ms=$2; shift ;;
        --detect-trials) detect_trials=$2; set_detect=true; shift ;;
        --writes) writes=$2; set_writes=true; shift ;;
        --prop-voters) prop_voters=$2; shift ;;
        --writers) writers=$2; shift ;;
        --duration) duration=$2; set_duration=true; shift ;;
        --warmup) warmup=$2; shift ;;
        --observers) observers=$2; set_observers=true; shift ;;
        --phases) phases=$2; shift ;;
        --port-shift) port_shift=$2; shift ;;
        --settle) settle=$2; shift ;;
        --fast-boot) fast_boot=true ;;
        --keep) keep=true ;;
        --out) out=$2; shift ;;
        -h|--help) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "cluster.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$quick" = true ]; then
    [ "$set_trials" = true ] || trials=2
    [ "$set_detect" = true ] || detect_trials=1
    [ "$set_pause" = true ] || pause_trials=1
    [ "$set_writes" = true ] || writes=50
    [ "$set_duration" = true ] || duration=5
    [ "$set_observers" = true ] || observers=2
    via_writes=5
fi
for v in trials pause_trials pause_ms detect_trials writes prop_voters writers duration warmup observers port_shift settle; do
    case "${!v}" in ''|*[!0-9]*) echo "cluster.sh: --${v//_/-} must be a number" >&2; exit 2 ;; esac
done
case "$prop_voters" in 3|5) ;; *) echo "cluster.sh: --prop-voters must be 3 or 5" >&2; exit 2 ;; esac
[ "$observers" -ge 1 ] && [ "$observers" -le 13 ] || { echo "cluster.sh: --observers must be 1..13" >&2; exit 2; }
has_phase() { case ",$phases," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
for p in ${phases//,/ }; do
    case "$p" in failover|pause|detection|propagation|throughput) ;; *) echo "cluster.sh: unknown phase $p" >&2; exit 2 ;; esac
done

command -v java >/dev/null && command -v javac >/dev/null || { echo "cluster.sh: needs a JDK 17 (java, javac)" >&2; exit 1; }
export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
if [ ! -x "$DIST/bin/karaf" ]; then
    echo "cluster.sh: building the distribution (mvn -B -o -q package -DskipTests -pl karaf-assembly -am)"
    (cd "$ROOT" && mvn -B -o -q package -DskipTests -pl karaf-assembly -am)
fi

# ---- the clusters this run needs: name, nodes, voters, phases
declare -a CL_NAME=() CL_NODES=() CL_VOTERS=() CL_PHASES=()
add_cluster() { CL_NAME+=("$1"); CL_NODES+=("$2"); CL_VOTERS+=("$3"); CL_PHASES+=("$4"); }
c3="" cobs="" c5=""
has_phase failover && c3+="failover "
has_phase pause && c3+="pause "
has_phase detection && c3+="detection "
has_phase throughput && c3+="throughput:tput0 "
if has_phase throughput; then
    if [ $((3 + observers)) = 5 ] && [ "$prop_voters" = 3 ]; then
        c5+="throughput:tputobs "
    else
        cobs="throughput:tputobs"
    fi
fi
has_phase propagation && c5+="propagation "
[ -z "$c3" ] || add_cluster c3 3 3 "$c3"
[ -z "$cobs" ] || add_cluster "c3+${observers}obs" $((3 + observers)) 3 "$cobs"
[ -z "$c5" ] || add_cluster c5 5 "$prop_voters" "$c5"

# ---- ports: the launcher's layout (gatehouse, node_env) moved by the shift; all must be free before anything starts
max_nodes=0
for n in "${CL_NODES[@]}"; do [ "$n" -le "$max_nodes" ] || max_nodes=$n; done
node_ports() { local k=$(( port_shift + $1 )); echo "$((9900 + k)) $((10080 + k)) $((8101 + k)) $((1099 + k)) $((44444 + k)) $((5810 + k))"; }
taken=""
for i in $(seq 1 "$max_nodes"); do
    for p in $(node_ports "$i"); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            who=$(ss -Hltnp "sport = :$p" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\),pid=\([0-9]*\).*/\1 pid \2/p' | head -n 1)
            taken+="    port $p (node$i) is in use by ${who:-another process}"$'\n'
        fi
    done
done
if [ -n "$taken" ]; then
    printf '%s' "$taken" >&2
    echo "cluster.sh: refusing to run: the ports above are taken by processes this run did not start" \
         "(another --port-shift moves every port)" >&2
    exit 1
fi

out=${out:-$ROOT/bench/results/cluster-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
OUTPUT=$out/output.txt
: > "$OUTPUT"
say() { echo "$*" | tee -a "$OUTPUT"; }

# ---- cleanup: every node of every cluster this run started, whatever happens
STARTED=()
BENCH_PID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$BENCH_PID" ] && kill -0 "$BENCH_PID" 2>/dev/null; then
        kill "$BENCH_PID" 2>/dev/null || true
        wait "$BENCH_PID" 2>/dev/null || true
    fi
    local dir
    for dir in "${STARTED[@]}"; do
        stop_cluster "$dir"
    done
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Stops the cluster in $1 (launcher, graceful then kill -9 after 45 s), kills -9 by pid any JVM of a node folder of
# it that is still alive (one being started when the run was cut short), keeps the logs, drops the node folders.
stop_cluster() {
    local dir=$1 pid cmd
    [ -d "$dir" ] || return 0
    GATEHOUSE_CLUSTER=$dir GATEHOUSE_STOP_SECONDS=45 "$LAUNCHER" cluster stop >> "$dir.launcher.log" 2>&1 || true
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
        cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" || true)
        case "$cmd" in
            *"-Dkaraf.base=$dir/node"*) echo "cluster.sh: pid $pid of $dir still running: kill -9" >&2; kill -9 "$pid" 2>/dev/null || true ;;
        esac
    done
    local n
    for n in "$dir"/node*; do
        [ -f "$n/data/log/karaf.log" ] || continue
        mkdir -p "$dir.logs"
        cp "$n/data/log/karaf.log" "$dir.logs/$(basename "$n").karaf.log"
    done
    if [ "$keep" = false ] && [ -f "$dir/.gatehouse-cluster" ]; then
        rm -rf "$dir"
    fi
}

export GATEHOUSE_NO_BUILD=1
if [ "$fast_boot" = true ]; then
    export EXTRA_JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC ${EXTRA_JAVA_OPTS:-}"
fi
CLASSES=$out/classes
javac -d "$CLASSES" "$ROOT/bench/ClusterBench.java"

RESULTS=""
FAILED=()
load() { cut -d' ' -f1-3 /proc/loadavg; }
DEFAULT_OPTS="the distribution defaults (bin/setenv)"

say "# gatehouse cluster benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
say "# machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(free -g | awk '/^Mem:/ {print $2}') GiB;" \
    "load average $(load) before the run; node JVM options: ${EXTRA_JAVA_OPTS:-$DEFAULT_OPTS}"
say "# options: trials=$trials detect-trials=$detect_trials writes=$writes prop-voters=$prop_voters writers=$writers" \
    "duration=${duration}s warmup=${warmup}s observers=$observers port-shift=$port_shift settle=${settle}ms quick=$quick; results in $out"

# Starts cluster $1 ($2 nodes, $3 voters) in folder $out/$1; 1 when it does not come up (stopped again).
start_cluster() {
    local name=$1 n=$2 v=$3 dir=$out/$1 started=$SECONDS
    say ""
    say "== cluster $name: $n nodes, $v voters, $((n - v)) observers (admin ports $(admin_ports "$n")); load average $(load)"
    STARTED+=("$dir")
    if ! GATEHOUSE_CLUSTER=$dir GATEHOUSE_CLUSTER_VOTERS=$v GATEHOUSE_CLUSTER_PORT_SHIFT=$port_shift \
            GATEHOUSE_WAIT_SECONDS=$((120 + 60 * n)) "$LAUNCHER" cluster start "$n" > "$dir.launcher.log" 2>&1; then
        say "   FAILED to start (see $dir.launcher.log):"
        tail -n 5 "$dir.launcher.log" | sed 's/^/   /' | tee -a "$OUTPUT"
        FAILED+=("$name:start")
        stop_cluster "$dir"
        return 1
    fi
    say "   started in $((SECONDS - started)) s"
}

admin_ports() { local i p=""; for i in $(seq 1 "$1"); do p+="${p:+,}$((9900 + port_shift + i))"; done; echo "$p"; }

# Runs phase spec $4 (phase[:label]) on cluster $1 ($2 nodes, $3 voters); returns ClusterBench's exit status.
run_phase() {
    local name=$1 n=$2 v=$3 spec=$4 dir=$out/$1 phase label title args rc phase_started=$SECONDS
    phase=${spec%%:*}
    label=${spec#*:}
    [ "$label" != "$spec" ] || label=$phase
    args=(--launcher "$LAUNCHER" --cluster "$dir" --ports "$(admin_ports "$n")" --voters "$v" --settle "$settle"
          --label "$label")
    case "$phase" in
        failover) args+=(--trials "$trials"); title="failover: kill -9 of the leader" ;;
        pause) args+=(--trials "$pause_trials" --pause "$pause_ms"); title="failover: SIGSTOP of the leader for $pause_ms ms" ;;
        detection) args+=(--trials "$detect_trials"); title="crash detection: kill -9 of a follower" ;;
        propagation) args+=(--writes "$writes" --via-writes "$via_writes"); title="propagation of writes to every node" ;;
        throughput) args+=(--writers "$writers" --duration "$duration" --warmup "$warmup")
                    title="write throughput, $((n - v)) observers" ;;
    esac
    say ""
    say "-- $title (cluster $name; load average $(load))"
    set +e
    GATEHOUSE_CLUSTER=$dir java -Xmx512m -cp "$CLASSES" ClusterBench "$phase" "${args[@]}" > "$dir.$label.out" 2>&1 &
    BENCH_PID=$!
    wait "$BENCH_PID"
    rc=$?
    BENCH_PID=""
    set -e
    { grep -v '^RESULT ' "$dir.$label.out" || true; } | tee -a "$OUTPUT"
    RESULTS+=" $(sed -n 's/^RESULT //p' "$dir.$label.out" | tr '\n' ' ')"
    say "   ($label: $((SECONDS - phase_started)) s, load average now $(load))"
    if [ "$rc" = 3 ]; then
        say "   $label: the group of cluster $name never became ready (nothing measured; logs in $dir.logs/)"
    elif [ "$rc" != 0 ]; then
        FAILED+=("$name:$label")
        say "   $label FAILED (exit $rc); the logs of cluster $name will be in $dir.logs/"
    fi
    return "$rc"
}

# Each cluster runs its phases; after a failed phase (a group that did not come back, say) it is stopped and
# the remaining phases run on a fresh cluster of the same layout (once). A phase whose group never became ready
# (exit 3: nothing measured; a failed CP discovery at start on a loaded machine, docs/cluster.md) runs again there.
for c in "${!CL_NAME[@]}"; do
    name=${CL_NAME[$c]} n=${CL_NODES[$c]} v=${CL_VOTERS[$c]}
    todo=(${CL_PHASES[$c]})
    for attempt in 1 2; do
        [ "$attempt" = 1 ] || name="${CL_NAME[$c]}-again"
        start_cluster "$name" "$n" "$v" || break
        while [ "${#todo[@]}" -gt 0 ]; do
            spec=${todo[0]}
            todo=("${todo[@]:1}")
            rc=0
            run_phase "$name" "$n" "$v" "$spec" || rc=$?
            if [ "$rc" = 3 ]; then
                todo=("$spec" "${todo[@]}")   # never ready: not measured, try it on the fresh cluster
                [ "$attempt" = 1 ] || FAILED+=("$name:$spec:never-ready")
                break
            fi
            [ "$rc" = 0 ] || break
        done
        stop_cluster "$out/$name"
        [ "${#todo[@]}" -gt 0 ] || break
        [ "$attempt" = 2 ] || say "   the remaining phases (${todo[*]}) run on a fresh cluster"
    done
    if [ "${#todo[@]}" -gt 0 ]; then
        FAILED+=("${CL_NAME[$c]}:not-run:${todo[*]// /,}")
    fi
done

# ---- summary
val() { printf '%s\n' $RESULTS | sed -n "s/^$1=//p" | tail -n 1; }
ratio="" cost=""
t0=$(val tput0_wps) tobs=$(val tputobs_wps)
if [ -n "$t0" ] && [ -n "$tobs" ]; then
    ratio=$(awk -v a="$tobs" -v b="$t0" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
    cost=$(awk -v a="$tobs" -v b="$t0" 'BEGIN { if (b > 0) printf "%.0f", (1 - a / b) * 100 }')
fi
verdict() { # value target (lower is better)
    [ -n "$1" ] || { echo "not measured"; return; }
    awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 <= t + 0) ? "met" : "MISSED" }'
}
say ""
say "== summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(load) at the end)"
say "   failover, new leader named:     p50 $(val failover_leader_p50_ms) ms, max $(val failover_leader_max_ms) ms   target <= 2000 ms: $(verdict "$(val failover_leader_max_ms)" 2000) (max)"
say "   failover, write acknowledged:   p50 $(val failover_write_p50_ms) ms, max $(val failover_write_max_ms) ms   target <= 2000 ms: $(verdict "$(val failover_write_max_ms)" 2000) (max)"
say "   SIGSTOP, new leader named:      p50 $(val pause_leader_p50_ms) ms, max $(val pause_leader_max_ms) ms   target <= 2000 ms: $(verdict "$(val pause_leader_max_ms)" 2000) (max)"
say "   SIGSTOP, write acknowledged:    p50 $(val pause_write_p50_ms) ms, max $(val pause_write_max_ms) ms   target <= 2000 ms: $(verdict "$(val pause_write_max_ms)" 2000) (max)"
say "   propagation to all 5 nodes:     p50 $(val prop_p50_ms) ms, p99 $(val prop_p99_ms) ms, max $(val prop_max_ms) ms   target p99 <= 50 ms: $(verdict "$(val prop_p99_ms)" 50)"
say "   crash detection (dead):         p50 $(val detect_dead_p50_ms) ms, max $(val detect_dead_max_ms) ms   target <= 3000 ms: $(verdict "$(val detect_dead_max_ms)" 3000) (max)"
say "   throughput: 0 observers $t0 writes/s, $observers observers $tobs writes/s, ratio ${ratio:-?}" \
    "(cost ${cost:-?} %)   target cost <= 10 %: $(verdict "$cost" 10)"
[ "${#FAILED[@]}" = 0 ] || say "   FAILED: ${FAILED[*]} (logs in $out)"
say "SUMMARY$RESULTS tput_observers=$observers tput_ratio=${ratio:-na} observer_cost_pct=${cost:-na} failed=${#FAILED[@]} load=\"$(load)\" cores=$(nproc)"
[ "${#FAILED[@]}" = 0 ]
