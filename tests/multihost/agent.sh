#!/bin/sh
# Open MPI's launcher agent for the test hosts of tests/multihost/cluster.sh, used as
# --mca plm_rsh_agent in place of ssh: Open MPI calls it like ssh, "agent.sh HOST WORDS...", and it
# runs the joined words with sh -c inside HOST's network namespace, under HOST's hostname (a UTS
# namespace of its own), with the clean environment a login through sshd would give.
host=$1
shift
case "$host" in -*) echo "agent.sh: unexpected option $host (configure no plm_rsh_args)" >&2; exit 255 ;; esac
exec ip netns exec "$host" unshare --uts env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME="${HOME:-/root}" USER="$(id -un)" LOGNAME="$(id -un)" SHELL=/bin/sh LANG=C.UTF-8 \
  sh -c 'hostname "$0" && eval "$1"' "$host" "$*"
