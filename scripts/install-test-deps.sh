#!/bin/sh
# Installs the system packages the tests drive for real, when they are missing
# (Debian/Ubuntu): a D-Bus session bus and gnome-keyring for the OS keyring
# tests (scripts/with-keyring.sh), Chromium for the browser sign-in tests,
# and PostgreSQL for the store and two-server tests (each test starts its own
# throwaway cluster on 127.0.0.1). Needs root or sudo; does nothing when all
# are present.
set -eu

PACKAGES="gnome-keyring dbus dbus-x11 chromium postgresql"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-test-deps: missing:$missing, and there is no apt-get here; install them with your package manager" >&2
	exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
	sudo="sudo"
fi
echo "install-test-deps: installing$missing" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
