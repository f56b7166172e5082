# daemons.sh: what the compatibility scripts (test/swift, test/ceph) share
# to run servers from Debian's packages on loopback. Sourced, not run.

# need_debs installs the Debian packages named that are missing (apt-get:
# root, or sudo).
need_debs() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "installing:$missing" >&2
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
}

# port prints a loopback TCP port nothing listens on right now.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# stop_pids stops the processes whose IDs the file $1 lists, the last
# started first (a daemon whose dependency is gone may wait for it instead
# of exiting), each given 5 s before SIGKILL; then removes the file.
stop_pids() {
	[ -f "$1" ] || return 0
	for pid in $(tac "$1"); do
		kill "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$pid" 2>/dev/null || true
	done
	rm -f "$1"
}
