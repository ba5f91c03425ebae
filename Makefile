# wsctl and workspaced. `make demo` tells the story; `make test` runs every test.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION) -X github.com/wsctl/wsctl/internal/workspaced.Version=$(VERSION)
export GOTOOLCHAIN := local

.PHONY: all build test vet unit e2e docs docs-check demo bench clean

all: build

build: bin/wsctl bin/workspaced

bin/wsctl bin/workspaced: FORCE
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/$(@F)

FORCE:

# The whole suite: vet, gofmt, the race-checked tests (unit, store conformance,
# API and end-to-end against the built binaries), and generated docs up to date.
test: vet docs-check
	CI=$${CI:-} $(GO) test -race -count=1 -timeout 12m ./...

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

demo: build
	./scripts/demo.sh

clean:
	rm -rf bin .demo
