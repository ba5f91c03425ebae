#!/bin/sh
# Creates the system user and group workspaced runs as. Kept on removal:
# files it owns, such as the database, may outlive the package.
set -e
if ! getent group workspaced >/dev/null; then
	groupadd --system workspaced
fi
if ! getent passwd workspaced >/dev/null; then
	nologin=/usr/sbin/nologin
	[ -x "$nologin" ] || nologin=/sbin/nologin
	useradd --system --gid workspaced --home-dir /var/lib/workspaced --no-create-home \
		--shell "$nologin" --comment "workspaced, the wsctl workspace API server" workspaced
fi
