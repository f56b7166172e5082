#!/bin/sh
# swift-s3.sh runs OpenStack Swift's S3 API (the s3api middleware, with
# tempauth) as one node on loopback, for the compatibility check (make
# compat-swift). Everything lives in DIR: rings, configuration, the device,
# logs and the process IDs.
#
#   swift-s3.sh start DIR   install the Debian packages if missing, start
#                           memcached and the account, container, object and
#                           proxy servers, wait until they answer, and print
#                           the S3 endpoint URL (keys test:tester / testing,
#                           region us-east-1)
#   swift-s3.sh stop DIR    stop what start started
#
# Run as root (apt-get, and the servers run as the calling user).
set -eu

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
dir=$2

. "$(dirname "$0")/../lib/daemons.sh"

# stop stops what start started: the servers' own process IDs only; each
# takes its workers with it.
stop() { stop_pids "$dir/pids"; }

install() { need_debs swift swift-proxy swift-account swift-container swift-object memcached; }

# conf writes DIR/NAME-server.conf for one backend server.
conf() {
	cat >"$dir/$1-server.conf" <<CONF
[DEFAULT]
swift_dir = $dir
devices = $dir/srv
mount_check = false
bind_ip = 127.0.0.1
bind_port = $2
workers = 1
user = $(id -un)
log_name = $1-server

[pipeline:main]
pipeline = healthcheck $1-server

[app:$1-server]
use = egg:swift#$1

[filter:healthcheck]
use = egg:swift#healthcheck
CONF
}

start() {
	install
	mkdir -p "$dir/srv/d1"
	stop
	proxy=$(port) account=$(port) container=$(port) object=$(port) cache=$(port)
	cat >"$dir/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = uploadfs-compat

[storage-policy:0]
name = Policy-0
default = yes
CONF
	for ring in account:$account container:$container object:$object; do
		name=${ring%%:*} p=${ring#*:}
		(cd "$dir" &&
			swift-ring-builder "$name.builder" create 4 1 1 &&
			swift-ring-builder "$name.builder" add "r1z1-127.0.0.1:$p/d1" 1 &&
			swift-ring-builder "$name.builder" rebalance) >"$dir/ring-$name.log" 2>&1 || {
			cat "$dir/ring-$name.log" >&2
			exit 1
		}
		conf "$name" "$p"
	done
	cat >"$dir/proxy-server.conf" <<CONF
[DEFAULT]
swift_dir = $dir
bind_ip = 127.0.0.1
bind_port = $proxy
workers = 1
user = $(id -un)
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
# S3 allows 10,000 parts; Swift's default is 1,000.
max_upload_part_num = 10000

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$cache

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
	: >"$dir/pids"
	memcached -l 127.0.0.1 -p "$cache" -U 0 -u "$(id -un)" >"$dir/memcached.log" 2>&1 &
	echo $! >>"$dir/pids"
	for s in account container object proxy; do
		"swift-$s-server" "$dir/$s-server.conf" -v >"$dir/$s.log" 2>&1 &
		echo $! >>"$dir/pids"
	done
	for p in $account $container $object $proxy; do
		i=0
		until curl -fsS "http://127.0.0.1:$p/healthcheck" >/dev/null 2>&1; do
			i=$((i + 1))
			if [ $i -ge 300 ]; then
				echo "swift on port $p did not answer; logs in $dir" >&2
				tail -n 20 "$dir"/*.log >&2
				stop
				exit 1
			fi
			sleep 0.1
		done
	done
	echo "http://127.0.0.1:$proxy"
}

case $1 in
start) start ;;
stop) stop ;;
*) usage ;;
esac
