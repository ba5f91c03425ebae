#!/bin/sh
# with-keyring.sh CMD...: runs CMD inside a private D-Bus session bus with an
# unlocked gnome-keyring-daemon (the Secret Service go-keyring talks to), so
# keyring tests use a real OS keyring without touching the person's own.
# The keyring lives in a throwaway XDG_DATA_HOME/XDG_RUNTIME_DIR (not HOME:
# changing HOME would empty Go's build cache) and goes away with the bus.
# Install what it needs with scripts/install-test-deps.sh.
set -eu

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "with-keyring: $tool is not installed; run scripts/install-test-deps.sh" >&2
		exit 1
	fi
done

K=$(mktemp -d "${TMPDIR:-/tmp}/wsctl-keyring.XXXXXX")
trap 'rm -rf "$K"' EXIT INT TERM
mkdir -p "$K/data" "$K/run"
chmod 700 "$K/run"

XDG_DATA_HOME="$K/data" XDG_RUNTIME_DIR="$K/run" dbus-run-session -- sh -c '
	# A new login keyring, created and unlocked with this throwaway password.
	printf test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
	exec "$@"
' with-keyring "$@"
