#!/bin/bash
# Test hosts on one machine: each host is a Linux network namespace with its own interface,
# address, hostname and /etc/hosts; a bridge in one more namespace is the switch. Open MPI starts
# its daemons through its ordinary rsh launcher with tests/multihost/agent.sh as the "ssh".
#
#   cluster.sh up NAME N          make hosts NAME-h1 .. NAME-hN (and the switch NAME-sw)
#   cluster.sh down NAME          stop what runs on them and remove everything (idempotent)
#   cluster.sh mpirun NAME HOSTS RANKS_PER_HOST [MPIRUN_OPTIONS... --] CMD...
#                                 mpirun inside NAME-h1, ranks on hosts 1..HOSTS over TCP
#   cluster.sh exec NAME HOST CMD...  a command on host HOST (1..N) of the cluster
#   cluster.sh pids NAME          "host pid command" of every process running on a host
#   cluster.sh gc                 remove the clusters whose owner process has died
#
# NAME (letters, digits, at most 10 characters) must be unique per run, so that clusters coexist.
# Needs root and iproute2; exits 77 (the ctest skip code) when namespaces cannot be made here.
# Traffic goes only between the hosts' own addresses in a private /24 this script picks: the
# namespaces have no route to anything else, IPv6 is off, and name lookups other than the hosts
# fail locally (/etc/netns/<host>/resolv.conf points to 127.0.0.1). Nothing is added to the root
# namespace. `up` records the caller as the owner; `down` (or `gc` after the owner died) kills the
# hosts' processes by PID, deletes the namespaces (their interfaces and the bridge go with them),
# /etc/netns/<host> and Open MPI's session directories of the hosts.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE_ROOT=/run/metasim-cluster

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

state() { echo "$STATE_ROOT/$1"; }

check_name() {
  [[ $1 =~ ^[a-z][a-z0-9]{0,9}$ ]] || die "cluster name \"$1\" must be a lower-case letter then at most 9 letters or digits"
}

# Exits 77 unless this process may make network namespaces.
check_usable() {
  [ "$(id -u)" -eq 0 ] || { echo "cluster.sh: needs root to make network namespaces (skipped)" >&2; exit 77; }
  command -v ip > /dev/null && command -v unshare > /dev/null || { echo "cluster.sh: needs iproute2 and util-linux (skipped)" >&2; exit 77; }
  local probe="msprobe$$"
  ip netns add "$probe" 2> /dev/null || { echo "cluster.sh: ip netns add is not permitted here (skipped)" >&2; exit 77; }
  ip netns del "$probe"
}

# A /24 in 10.213.0.0/16 that no other cluster and no route or address of this machine uses.
pick_subnet() {
  local used
  used=$( (cat "$STATE_ROOT"/*/subnet 2> /dev/null; ip -4 route show table all; ip -4 addr show) | grep -o '10\.213\.[0-9]*\.' | sort -u || true)
  for k in $(seq 1 254); do
    grep -qx "10\.213\.$k\." <<< "$used" || { echo "10.213.$k"; return; }
  done
  die "no free /24 left in 10.213.0.0/16"
}

cmd_up() {
  local name=$1 n=$2 dir sub
  check_name "$name"
  [[ $n =~ ^[1-9][0-9]?$ ]] || die "the number of hosts must be 1..99, not \"$n\""
  check_usable
  dir=$(state "$name")
  [ ! -e "$dir" ] || die "a cluster named $name exists already (cluster.sh down $name)"
  mkdir -p "$STATE_ROOT"
  sub=$(pick_subnet)
  mkdir "$dir"
  echo "$sub" > "$dir/subnet"
  echo "$n" > "$dir/n"
  echo "${CLUSTER_OWNER:-$PPID}" > "$dir/owner"
  trap 'cmd_down "$name"; exit 1' ERR INT TERM
  ip netns add "$name-sw"
  ip -n "$name-sw" link add br0 type bridge
  for i in $(seq 1 "$n"); do
    local h="$name-h$i"
    ip netns add "$h"
    ip netns exec "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip link add eth0 netns "$h" type veth peer name "p$i" netns "$name-sw"
    ip -n "$name-sw" link set "p$i" master br0 up
    ip -n "$h" addr add "$sub.$((10 + i))/24" dev eth0
    ip -n "$h" link set lo up
    ip -n "$h" link set eth0 up
    mkdir -p "/etc/netns/$h"
    echo "nameserver 127.0.0.1" > "/etc/netns/$h/resolv.conf"
    { echo "127.0.0.1 localhost"; for j in $(seq 1 "$n"); do echo "$sub.$((10 + j)) $name-h$j"; done; } > "/etc/netns/$h/hosts"
  done
  ip -n "$name-sw" link set br0 up
  # every host reaches every other: a TCP connect to a closed port is refused by the peer's kernel
  for i in $(seq 2 "$n"); do
    local out
    out=$(ip netns exec "$name-h1" timeout 5 bash -c "exec 3<>/dev/tcp/$sub.$((10 + i))/9" 2>&1 || true)
    grep -q "refused" <<< "$out" || { echo "cluster.sh: $name-h1 cannot reach $name-h$i: $out" >&2; false; }
  done
  trap - ERR INT TERM
  for i in $(seq 1 "$n"); do echo "$name-h$i"; done
}

# Kills by PID every process of the cluster's namespaces (TERM, then KILL after 2 s).
kill_hosts() {
  local name=$1 pids
  for sig in TERM KILL; do
    pids=$(for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-(h[0-9]+|sw)$" || true); do ip netns pids "$ns" 2> /dev/null; done)
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -s "$sig" $pids 2> /dev/null || true
    for _ in $(seq 20); do
      pids=$(for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-(h[0-9]+|sw)$" || true); do ip netns pids "$ns" 2> /dev/null; done)
      [ -n "$pids" ] || return 0
      sleep 0.1
    done
  done
}

cmd_down() {
  local name=$1
  check_name "$name"
  kill_hosts "$name"
  for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep -E "^$name-(h[0-9]+|sw)$" || true); do
    ip netns del "$ns"
    rm -rf "/etc/netns/$ns"
    rm -rf "${TMPDIR:-/tmp}/ompi.$ns".*
  done
  rm -rf "$(state "$name")"
}

cmd_gc() {
  for dir in "$STATE_ROOT"/*; do
    [ -d "$dir" ] || continue
    local owner
    owner=$(cat "$dir/owner" 2> /dev/null || echo 0)
    kill -0 "$owner" 2> /dev/null || cmd_down "$(basename "$dir")"
  done
}

cmd_mpirun() {
  local name=$1 hosts=$2 per=$3 dir sub opts=()
  shift 3
  check_name "$name"
  dir=$(state "$name")
  [ -d "$dir" ] || die "no cluster named $name (cluster.sh up $name N)"
  [[ $hosts =~ ^[1-9][0-9]*$ ]] && [ "$hosts" -le "$(cat "$dir/n")" ] || die "HOSTS must be 1..$(cat "$dir/n"), not \"$hosts\""
  [[ $per =~ ^[1-9][0-9]*$ ]] || die "RANKS_PER_HOST must be a positive integer, not \"$per\""
  if [[ ${1:-} == -* ]]; then # mpirun options up to --
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    [ $# -gt 0 ] || die "mpirun options must end with --"
    shift
  fi
  [ $# -gt 0 ] || die "no command to run"
  sub=$(cat "$dir/subnet")
  for i in $(seq 1 "$hosts"); do echo "$name-h$i slots=$per"; done > "$dir/hostfile"
  # Ranks on other hosts get only what mpirun forwards (as with ssh): the settings they need, and
  # every variable named in CLUSTER_FORWARD.
  local fwd=(OPENBLAS_NUM_THREADS)
  for v in ${CLUSTER_FORWARD:-}; do fwd+=("$v"); done
  local xs=()
  for v in "${fwd[@]}"; do [ -z "${!v+set}" ] || xs+=(-x "$v"); done
  ip netns exec "$name-h1" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$name-h1" \
    mpirun --hostfile "$dir/hostfile" -n $((hosts * per)) --bind-to none \
    --mca plm_rsh_agent "$HERE/agent.sh" --mca plm_rsh_no_tree_spawn 1 \
    --mca pml ob1 --mca btl tcp,vader,self --mca btl_tcp_if_include "$sub.0/24" --mca oob_tcp_if_include "$sub.0/24" \
    --mca mpi_yield_when_idle 1 "${xs[@]}" "${opts[@]}" "$@"
}

cmd_exec() {
  local name=$1 host=$2
  shift 2
  check_name "$name"
  [ -d "$(state "$name")" ] || die "no cluster named $name"
  exec ip netns exec "$name-h$host" "$@"
}

cmd_pids() {
  local name=$1
  check_name "$name"
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-(h[0-9]+|sw)$" || true); do
    for pid in $(ip netns pids "$ns" 2> /dev/null); do echo "$ns $pid $(cat "/proc/$pid/comm" 2> /dev/null || echo '?')"; done
  done
}

case "${1:-}" in
up) [ $# -eq 3 ] || die "usage: cluster.sh up NAME N"; cmd_up "$2" "$3" ;;
down) [ $# -eq 2 ] || die "usage: cluster.sh down NAME"; cmd_down "$2" ;;
mpirun) [ $# -ge 5 ] || die "usage: cluster.sh mpirun NAME HOSTS RANKS_PER_HOST [MPIRUN_OPTIONS... --] CMD..."; shift; cmd_mpirun "$@" ;;
exec) [ $# -ge 4 ] || die "usage: cluster.sh exec NAME HOST CMD..."; shift; cmd_exec "$@" ;;
pids) [ $# -eq 2 ] || die "usage: cluster.sh pids NAME"; cmd_pids "$2" ;;
gc) cmd_gc ;;
*) die "usage: cluster.sh up NAME N | down NAME | mpirun NAME HOSTS RANKS_PER_HOST [OPTIONS... --] CMD... | exec NAME HOST CMD... | pids NAME | gc" ;;
esac
