# Every target installs what is missing first (scripts/bootstrap.sh), so each is the only
# command a newcomer needs on a fresh Debian 12 machine.
.PHONY: bootstrap build test run bench fuzz clean

DURATION ?=
SETTINGS ?=

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	bazel build //...

test: bootstrap
	@scripts/test.sh

run: bootstrap
	@DURATION="$(DURATION)" SETTINGS="$(SETTINGS)" scripts/run.sh

bench: bootstrap
	@scripts/bench.sh

# Runs every fuzzer for FUZZ_SECONDS seconds (default 60) with ASan and UBSan.
FUZZ_SECONDS ?= 60
fuzz: bootstrap
	@SECONDS_PER_FUZZER=$(FUZZ_SECONDS) scripts/fuzz.sh

clean:
	bazel clean
