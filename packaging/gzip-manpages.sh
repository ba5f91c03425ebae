#!/bin/sh
# Writes docs/man/*.1 gzipped into DIR (default build/man), as Debian and
# Fedora keep man pages. A goreleaser before hook: the .deb and .rpm take
# them from there. -n leaves out the name and time, so the output depends
# on the input alone.
set -eu
out=${1:-build/man}
rm -rf "$out"
mkdir -p "$out"
for page in docs/man/*.1; do
	gzip -9 -n -c "$page" >"$out/$(basename "$page").gz"
done
