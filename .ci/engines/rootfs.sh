#!/usr/bin/env bash
# Builds the Debian root file system that the systemd engine tests boot as a
# container's init (systemd-nspawn), once per version of this script: the
# cache directory is named after this file's hash, so a change here builds a
# new one and the tests (test/helpers/engines/rootfs.ts) look for the same
# name. Prints the directory. Needs root, debootstrap and Debian's mirror.
set -euo pipefail
script=$(readlink -f "$0")
cache=${PORTUI_ENGINE_CACHE:-/var/cache/portui-engines}
key=$(sha256sum "$script" | cut -c1-16)
root="$cache/rootfs-$key"
if [ -e "$root/.complete" ]; then
	echo "$root"
	exit 0
fi
mkdir -p "$cache"
tmp="$root.partial.$$"
trap 'rm -rf "$tmp"' EXIT
# minbase with systemd as init; python3 for services that fail the way real
# ones do ("OSError: [Errno 98] Address already in use"); iproute2 for ss.
debootstrap --variant=minbase \
	--include=systemd,systemd-sysv,dbus,python3-minimal,iproute2 \
	bookworm "$tmp" http://deb.debian.org/debian >&2
echo portui-engine >"$tmp/etc/hostname"
# Nothing on the container's console, no units that wait for hardware.
for unit in console-getty.service getty@.service systemd-timesyncd.service \
	apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
	ln -sf /dev/null "$tmp/etc/systemd/system/$unit"
done
rm -rf "$tmp/var/cache/apt/archives"/*.deb "$tmp/var/lib/apt/lists"/*
touch "$tmp/.complete"
mv "$tmp" "$root"
trap - EXIT
# Older builds of this script are of no use any more.
find "$cache" -maxdepth 1 -name 'rootfs-*' ! -name "rootfs-$key" -exec rm -rf {} +
echo "$root"
