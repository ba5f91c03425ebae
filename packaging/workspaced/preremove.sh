#!/bin/sh
# Stops and disables the service when the package is removed; an upgrade
# ("upgrade" for dpkg, 1 for rpm) leaves it running.
set -e
case "$1" in
remove | 0)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now workspaced.service >/dev/null 2>&1 || true
	fi
	;;
esac
