# wsctl and workspaced. `make demo` tells the story; `make test` runs every test.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The commit and its time (UTC), as the release build sets them (.goreleaser.yaml).
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE) \
	-X github.com/wsctl/wsctl/internal/workspaced.Version=$(VERSION)
export GOTOOLCHAIN := local

# goreleaser builds the release (.goreleaser.yaml). It is pinned and kept in
# .tools/bin rather than in go.mod, whose dependencies it would swell; newer
# versions need downloads this project's machines cannot make.
GORELEASER_VERSION := v2.15.1
GORELEASER         := $(CURDIR)/.tools/bin/goreleaser

.PHONY: all build test test-deps test-keyring vet unit e2e docs docs-check release-check snapshot goreleaser demo bench clean

all: build

build: bin/wsctl bin/workspaced

bin/wsctl bin/workspaced: FORCE
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/$(@F)

FORCE:

# The whole suite: vet, gofmt, the race-checked tests (unit, store conformance,
# API and end-to-end against the built binaries), and generated docs up to date.
# The tests run inside a private D-Bus session with an unlocked gnome-keyring
# (scripts/with-keyring.sh), so the OS keyring tests run for real; under
# CI=true a keyring test without a keyring fails instead of skipping.
test: vet docs-check release-check test-deps
	CI=$${CI:-} ./scripts/with-keyring.sh $(GO) test -race -count=1 -timeout 12m ./...

# The real parts the tests drive, installed when missing (apt-get).
test-deps:
	./scripts/install-test-deps.sh

# The OS keyring tests alone, against a real gnome-keyring.
test-keyring: test-deps
	CI=$${CI:-} ./scripts/with-keyring.sh $(GO) test -race -count=1 -run 'Keyring' ./internal/cli/...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# Generated docs: CLI reference (docs/cli), man pages (docs/man), completions.
docs:
	$(GO) run ./cmd/wsctl-docs

docs-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	  $(GO) run ./cmd/wsctl-docs --out $$tmp && \
	  for d in docs/cli docs/man completions; do \
	    if ! diff -r $$tmp/$$d $$d >/dev/null; then \
	      echo "$$d is out of date: run 'make docs' and commit the result"; diff -r $$tmp/$$d $$d | head -20; exit 1; fi; \
	  done && echo "generated docs are current"

# The release configuration is valid (offline: the release is not published
# from here).
release-check: goreleaser
	$(GORELEASER) check

# Every archive, package, checksum, Homebrew cask and Scoop manifest of the
# current commit, into dist/ (slow: twelve builds).
snapshot: goreleaser
	$(GORELEASER) release --snapshot --clean

# The pinned goreleaser, installed when missing or of another version.
goreleaser:
	@$(GORELEASER) --version 2>/dev/null | grep -q '^GitVersion: *$(GORELEASER_VERSION)$$' || { \
	  echo "installing goreleaser $(GORELEASER_VERSION) into .tools/bin"; \
	  GOBIN=$(CURDIR)/.tools/bin $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION); }

demo: build
	./scripts/demo.sh

# Benchmarks of bulk invites, memory, start-up and export against a local
# workspaced on SQLite (bench/README.md has the figures and the machine).
bench:
	$(GO) run ./bench

clean:
	rm -rf bin .demo dist build
