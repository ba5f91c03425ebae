#!/bin/sh
# Tells systemd the unit is gone. The workspaced user and /var/lib/workspaced
# (the database) stay: remove them by hand once the data is no longer needed.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
