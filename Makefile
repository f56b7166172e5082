# uploadfs — two commands on a fresh machine:
#   make demo   build, then mount a seeded demo tree at ./mnt (MNT=dir overrides)
#   make test   install what the tests need, then run every test
# Also: make demo-glacier (the same for Glacier vaults), make bench (the performance table), make compat (against
# MinIO, OpenStack Swift and Ceph RGW; compat-minio, compat-swift, compat-ceph for one), make package (the .deb), make build, make vet, make fuzz, make cross, make clean.

GO        ?= go
BIN       := $(CURDIR)/bin
MNT       ?= mnt
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo devel)
LDFLAGS   := -X main.buildVersion=$(VERSION)

VERSITYGW_VERSION := v1.8.0
VERSITYGW := $(BIN)/versitygw

# Debian packages: the AWS CLI (a third-party client for the end-to-end
# tests), getfattr (attr), fusermount3 (fuse3, for non-root mounts) and
# python3 (programs with their own signal handling, in the tests), jq
# (scripts reading JSON attributes, in the tests) and chromium (headless:
# the HTML report in a real browser, in the tests).
APT_PACKAGES := awscli attr fuse3 python3 jq chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Fuzz budgets are counts of executions, not durations: with a duration,
# Go 1.26's fuzz coordinator can fail a target with "context deadline
# exceeded" when the time ends during an execution (golang/go#75804, fixed
# in Go 1.27), on a busy machine most often.
FUZZTIME ?= 200000x

.PHONY: build demo demo-glacier test deps apt-deps vet cross fuzz bench bench-short compat compat-minio compat-swift compat-ceph package clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/uploadfs ./cmd/uploadfs

demo: build apt-deps
	$(BIN)/uploadfs demo "$(MNT)"

demo-glacier: build apt-deps
	$(BIN)/uploadfs demo --glacier "$(MNT)"

# apt-deps installs the Debian packages that are missing (apt-get update
# only when something is).
apt-deps:
	@missing=""; \
	[ -x /usr/bin/aws ] || missing="$$missing awscli"; \
	command -v getfattr >/dev/null || missing="$$missing attr"; \
	command -v fusermount3 >/dev/null || missing="$$missing fuse3"; \
	command -v python3 >/dev/null || missing="$$missing python3"; \
	command -v jq >/dev/null || missing="$$missing jq"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# versitygw is the end-to-end tests' S3 server, built once into ./bin.
$(VERSITYGW):
	GOBIN=$(BIN) $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

deps: apt-deps $(VERSITYGW)
	$(GO) mod download

# staticcheck runs at a pinned version through go run: nothing to install.
STATICCHECK_VERSION := v0.8.2

vet:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi

# macOS (macFUSE) is supported: the tree must build for it.
cross:
	GOOS=darwin GOARCH=amd64 $(GO) build ./... && GOOS=darwin GOARCH=arm64 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...

fuzz:
	$(GO) test ./fsnode -run '^$$' -fuzz '^FuzzEscapeName$$' -fuzztime $(FUZZTIME)
	$(GO) test ./fsnode -run '^$$' -fuzz '^FuzzEscapeInjective$$' -fuzztime $(FUZZTIME)
	$(GO) test ./listing -run '^$$' -fuzz '^FuzzPartsPages$$' -fuzztime $(FUZZTIME)
	$(GO) test ./listing -run '^$$' -fuzz '^FuzzLevelPages$$' -fuzztime $(FUZZTIME)
	$(GO) test ./listing -run '^$$' -fuzz '^FuzzGlacierPages$$' -fuzztime $(FUZZTIME)
	$(GO) test ./listing -run '^$$' -fuzz '^FuzzParseRange$$' -fuzztime $(FUZZTIME)
	$(GO) test ./listing/internal/sdkdecode -run '^$$' -fuzz '^FuzzFastParts$$' -fuzztime $(FUZZTIME)
	$(GO) test ./listing/internal/sdkdecode -run '^$$' -fuzz '^FuzzFastUploads$$' -fuzztime $(FUZZTIME)
	$(GO) test ./listing -run '^$$' -fuzz '^FuzzArchiveTreeHash$$' -fuzztime $(FUZZTIME)
	$(GO) test ./listing/internal/sdkdecode -run '^$$' -fuzz '^FuzzAbortDate$$' -fuzztime $(FUZZTIME)
	$(GO) test ./listing -run '^$$' -fuzz '^FuzzR2Token$$' -fuzztime $(FUZZTIME)
	$(GO) test ./regions -run '^$$' -fuzz '^FuzzZoneRegion$$' -fuzztime $(FUZZTIME)
	$(GO) test ./report -run '^$$' -fuzz '^FuzzHTMLKey$$' -fuzztime $(FUZZTIME)

# bench prints uploadfs against the AWS CLI, the SDK's paginator and tmpfs,
# measured in one run (several minutes: it creates 60,000 parts). Flags go
# in BENCHFLAGS, e.g. BENCHFLAGS="-delay 150ms -reps 9".
bench: deps build
	$(GO) run ./cmd/uploadfs-bench -uploadfs $(BIN)/uploadfs -versitygw $(VERSITYGW) $(BENCHFLAGS)

# bench-short only checks that the benchmark still works (small, no delay).
bench-short: deps build
	$(GO) run ./cmd/uploadfs-bench -short -uploadfs $(BIN)/uploadfs -versitygw $(VERSITYGW)

test: deps build vet cross
	UPLOADFS_E2E=1 VERSITYGW=$(VERSITYGW) UPLOADFS_BIN=$(BIN)/uploadfs \
		$(GO) test -race -count=1 -timeout 40m ./...
	$(MAKE) fuzz FUZZTIME=30000x
	$(MAKE) bench-short

# package builds dist/uploadfs_<version>_<arch>.deb with nfpm (pinned, run
# through go run): the binary, the /sbin/mount.uploadfs link, the man page,
# completions and the example unit.
NFPM_VERSION := v2.45.2

package: build
	rm -rf dist/pkg && mkdir -p dist/pkg
	cp $(BIN)/uploadfs dist/pkg/uploadfs
	$(BIN)/uploadfs man | gzip -9n > dist/pkg/uploadfs.8.gz
	$(BIN)/uploadfs completion bash > dist/pkg/uploadfs.bash
	$(BIN)/uploadfs completion zsh > dist/pkg/_uploadfs
	$(BIN)/uploadfs completion fish > dist/pkg/uploadfs.fish
	v="$(VERSION)"; case "$$v" in v[0-9]*) v="$${v#v}" ;; *) v="0.0.0+git$$v" ;; esac; v=$$(echo "$$v" | tr - .); \
	PKG_VERSION="$$v" PKG_ARCH=$$($(GO) env GOARCH) \
		$(GO) run github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION) package -f packaging/nfpm.yaml -p deb -t dist/

# compat checks uploadfs against real servers, MinIO, OpenStack Swift and Ceph
# RGW (not part of make test: MinIO's build takes minutes and about 1.5 GB of
# memory, Swift and Ceph need Debian packages) and prints what differs.
MINIO := $(BIN)/minio
$(MINIO):
	GOBIN=$(BIN) $(GO) install github.com/minio/minio@latest

compat: compat-minio compat-swift compat-ceph

compat-minio: deps build $(MINIO)
	UPLOADFS_COMPAT_MINIO=$(MINIO) UPLOADFS_BIN=$(BIN)/uploadfs \
		$(GO) test -count=1 -v -run '^TestCompat$$' ./cmd/uploadfs

# compat-swift does the same against OpenStack Swift's S3 API (s3api and
# tempauth), one node on loopback from Debian's packages, which
# test/swift/swift-s3.sh installs if missing (apt-get: root or sudo).
compat-swift: apt-deps build
	UPLOADFS_COMPAT_SWIFT=$(CURDIR)/test/swift/swift-s3.sh UPLOADFS_BIN=$(BIN)/uploadfs \
		$(GO) test -count=1 -v -timeout 20m -run '^TestCompatSwift$$' ./cmd/uploadfs

# compat-ceph does the same against Ceph's RADOS Gateway, a one-node cluster
# on loopback (one monitor, one OSD in memory) from Debian's packages, which
# test/ceph/ceph-s3.sh installs if missing (apt-get: root or sudo).
compat-ceph: apt-deps build
	UPLOADFS_COMPAT_CEPH=$(CURDIR)/test/ceph/ceph-s3.sh UPLOADFS_BIN=$(BIN)/uploadfs \
		$(GO) test -count=1 -v -timeout 20m -run '^TestCompatCeph$$' ./cmd/uploadfs

clean:
	rm -rf $(BIN) dist
