#!/usr/bin/env bash
# Renders one diagram: render.sh IN.dot OUT.svg (Graphviz dot). Used by
# `make docs` and by tests/docs/test-docs.sh, so that both produce the
# same bytes. Debian 12's graphviz (2.42/2.43) made the committed SVGs.
set -u
[ $# -eq 2 ] || { echo "usage: render.sh IN.dot OUT.svg" >&2; exit 64; }
command -v dot >/dev/null 2>&1 ||
	{ echo "render.sh: dot not found: make deps installs graphviz" >&2; exit 2; }
dot -Tsvg "$1" -o "$2.tmp" && mv "$2.tmp" "$2"
