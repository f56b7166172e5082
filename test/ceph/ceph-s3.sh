#!/bin/sh
# ceph-s3.sh runs Ceph's RADOS Gateway (radosgw, Debian 12's Pacific) on a
# one-node cluster on loopback, for the compatibility check (make
# compat-ceph): one monitor, one OSD keeping its objects in memory
# (memstore), pools of one copy, no authentication inside the cluster.
# Everything lives in DIR: configuration, monitor and OSD data, logs and the
# process IDs. No systemd: every daemon runs in the foreground of its own
# background process.
#
#   ceph-s3.sh start DIR   install the Debian packages if missing, start the
#                          monitor, the OSD and radosgw, create an S3 user,
#                          wait until S3 answers, and print the S3 endpoint
#                          URL (keys uploadfs / uploadfs-secret, region
#                          us-east-1)
#   ceph-s3.sh stop DIR    stop what start started
#
# Run as root (apt-get; the daemons run as the calling user).
set -eu

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
dir=$2

. "$(dirname "$0")/../lib/daemons.sh"

# stop stops what start started, radosgw first and the monitor last.
stop() { stop_pids "$dir/pids"; }

install() { need_debs ceph-mon ceph-osd radosgw ceph-common; }

# wait_for runs its command until it succeeds (30 s at most).
wait_for() {
	what=$1; shift
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -ge 300 ]; then
			echo "ceph: $what did not come up; logs in $dir/log" >&2
			tail -n 20 "$dir"/log/*.log >&2 || true
			stop
			exit 1
		fi
		sleep 0.1
	done
}

start() {
	install
	stop
	rm -rf "$dir/mon" "$dir/osd" "$dir/run" "$dir/log"
	mkdir -p "$dir/mon/a" "$dir/osd/0" "$dir/run" "$dir/log" "$dir/rgw"
	mon=$(port) rgw=$(port)
	fsid=$(cat /proc/sys/kernel/random/uuid)
	conf=$dir/ceph.conf
	cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
# Without it radosgw hangs at "get_initial_auth_request returned -13"
# when authentication is off.
ms mon client mode = crc
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
mon data = $dir/mon/\$id
osd data = $dir/osd/\$id

[client.rgw]
rgw data = $dir/rgw
rgw frontends = beast endpoint=127.0.0.1:$rgw
rgw dns name = 127.0.0.1
CONF
	ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >"$dir/log/setup.log" 2>&1
	monmaptool --create --addv a "[v1:127.0.0.1:$mon]" --fsid "$fsid" "$dir/monmap" >>"$dir/log/setup.log" 2>&1
	ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >>"$dir/log/setup.log" 2>&1
	: >"$dir/pids"
	ceph-mon -c "$conf" -i a -f >>"$dir/log/mon.out" 2>&1 &
	echo $! >>"$dir/pids"
	wait_for monitor timeout 5 ceph -c "$conf" --connect-timeout 2 mon stat
	id=$(ceph -c "$conf" osd create)
	ceph-osd -c "$conf" -i "$id" --mkfs >>"$dir/log/setup.log" 2>&1
	ceph-osd -c "$conf" -i "$id" -f >>"$dir/log/osd.out" 2>&1 &
	echo $! >>"$dir/pids"
	wait_for OSD sh -c "ceph -c '$conf' osd stat | grep -q '1 up'"
	radosgw -c "$conf" -n client.rgw -f >>"$dir/log/rgw.out" 2>&1 &
	echo $! >>"$dir/pids"
	wait_for radosgw curl -fsS "http://127.0.0.1:$rgw/"
	radosgw-admin -c "$conf" -n client.rgw user create --uid uploadfs --display-name uploadfs \
		--access-key uploadfs --secret-key uploadfs-secret >>"$dir/log/setup.log" 2>&1
	echo "http://127.0.0.1:$rgw"
}

case $1 in
start) start ;;
stop) stop ;;
*) usage ;;
esac
