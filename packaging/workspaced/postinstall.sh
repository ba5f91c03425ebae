#!/bin/sh
# Makes the state directory (so operator commands can run before the first
# start; systemd's StateDirectory= would make it then) and tells systemd of
# the unit. The service is not enabled: set it up in /etc/default/workspaced,
# then 'systemctl enable --now workspaced'.
set -e
install -d -m 0750 -o workspaced -g workspaced /var/lib/workspaced
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	# An upgrade restarts a running server on the new binary.
	systemctl try-restart workspaced.service >/dev/null 2>&1 || true
fi
