# wsctl and workspaced. `make demo` tells the story; `make test` runs every test.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The commit and its time (UTC), as the release build sets them (.goreleaser.yaml).
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE) \
	-X github.com/wsctl/wsctl/internal/workspaced.Version=$(VERSION)
export GOTOOLCHAIN := local

# Release tools, pinned and installed by 'go install' into .tools/bin rather
# than listed in go.mod, whose dependencies they would swell: goreleaser
# builds the release (.goreleaser.yaml; newer versions need downloads these
# machines cannot make), syft writes its SBOMs.
TOOLS              := $(CURDIR)/.tools/bin
GORELEASER_VERSION := v2.15.1
SYFT_VERSION       := v1.57.2

.PHONY: all build test test-deps test-keyring vet unit e2e docs docs-check release-check snapshot demo bench fuzz clean

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
#
# The release configuration is checked beside the tests (release-check, its
# log in .tools/): on a fresh machine installing the pinned goreleaser takes
# minutes, most of them waiting on downloads the tests need not wait for.
test: vet docs-check test-deps
	@mkdir -p .tools && { $(MAKE) --no-print-directory release-check > .tools/release-check.log 2>&1 & pid=$$!; }; \
	  CI=$${CI:-} ./scripts/with-keyring.sh $(GO) test -race -count=1 -timeout 12m ./...; rc=$$?; \
	  if ! wait $$pid; then cat .tools/release-check.log; echo "make release-check failed"; exit 1; fi; \
	  tail -n 2 .tools/release-check.log; exit $$rc

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
release-check:
	$(call go-tool,goreleaser,github.com/goreleaser/goreleaser/v2,$(GORELEASER_VERSION))
	$(TOOLS)/goreleaser check

# Every archive (with its SBOM), package, checksum, the Homebrew cask and the
# Scoop manifest of the current commit, into dist/ (slow: twelve builds).
snapshot:
	$(call go-tool,goreleaser,github.com/goreleaser/goreleaser/v2,$(GORELEASER_VERSION))
	$(call go-tool,syft,github.com/anchore/syft,$(SYFT_VERSION),/cmd/syft)
	$(SNAPSHOT_GIT_ENV) PATH=$(TOOLS):$$PATH $(TOOLS)/goreleaser release --snapshot --clean

# goreleaser reads the commit and its date only where git names a remote; a
# checkout without one (a local repository, a worktree of it) gets a stand-in
# origin URL in the environment, which nothing contacts: the repository's own
# config is left alone.
SNAPSHOT_GIT_ENV = $(if $(shell git remote 2>/dev/null),,GIT_CONFIG_COUNT=1 \
	GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/wsctl/wsctl.git)

# $(call go-tool,NAME,MODULE,VERSION[,/PACKAGE]) installs NAME into .tools/bin
# when it is missing or built from another version of MODULE.
go-tool = @$(GO) version -m $(TOOLS)/$(1) 2>/dev/null | grep -Eq '^\s+mod\s+$(2)\s+$(3)\s' || { \
	  echo "installing $(1) $(3) into .tools/bin"; GOBIN=$(TOOLS) $(GO) install $(2)$(4)@$(3); }

demo: build
	./scripts/demo.sh

# Every fuzz target for FUZZTIME each (make test runs their seeds only, as
# any go test does): the CSV reader, API bodies and list queries, the
# redirect URI and PKCE checks, the client's problem decoder. A failing
# input lands in the package's testdata/fuzz/ and becomes a seed: commit it
# with the fix.
FUZZTIME ?= 30s
FUZZ_TARGETS := ./internal/bulk:FuzzReader ./internal/api:FuzzAPIRequestBodies ./internal/api:FuzzListQuery \
	./internal/authserver:FuzzLoopbackRedirect ./internal/authserver:FuzzPKCE ./internal/client:FuzzProblemDecoder
fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "== $$fn ($$pkg, $(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done

# Benchmarks of bulk invites, memory, start-up and export against a local
# workspaced on SQLite (bench/README.md has the figures and the machine).
bench:
	$(GO) run ./bench

clean:
	rm -rf bin .demo dist build
