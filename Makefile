# The README's two commands, and little else. CMake does the building.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test test-asan clean bench fuzz chaos demo

all: build

deps:
	@sh .ci/deps.sh

# One configure and build at a time per build directory: `make run` in one
# terminal and `make test` in another may start together.
LOCK = flock $(BUILD).lock

build:
	@$(LOCK) sh .ci/deps.sh
	@$(LOCK) sh -c 'test -f $(BUILD)/Makefile || cmake -S . -B $(BUILD) $(CMAKE_FLAGS)'
	$(LOCK) cmake --build $(BUILD) -j $(JOBS)

# The broker on its embedded defaults: tcp://127.0.0.1:5555, store in ./var/catchball.
run: build
	./$(BUILD)/catchballd

# A whole marketplace with leadership and four teams, to rehearse an event
# (examples/marketplace.sh), against the running broker: `make run` in
# another terminal, or the one CATCHBALL_ENDPOINT names.
demo: build
	PATH=$(abspath $(BUILD)):$$PATH DEMO_OUT=$${DEMO_OUT:-var} bash examples/marketplace.sh

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCB_SANITIZE=ON"

# The libFuzzer targets for a while (tests/fuzz/README.md): make fuzz SECONDS=600
SECONDS ?= 60
fuzz:
	sh .ci/deps.sh
	tests/fuzz/run.sh $(SECONDS)

# Long chaos runs (tests/chaos/README.md): CYCLES kills of the broker, then
# CYCLES power cuts, while nodes send changes; nothing acknowledged may be
# lost or done twice. make chaos CYCLES=200 (make test runs a few of each).
CYCLES ?= 100
chaos: build
	sh tests/chaos/run.sh $(BUILD)/catchballd $(CYCLES) kill
	sh tests/chaos/run.sh $(BUILD)/catchballd $(CYCLES) powercut

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-bench *.lock

# Benchmarks against raw libzmq/LMDB baselines and the Redis peer
# (bench/README.md); never part of test. Without the peer's packages
# (redis-server, libhiredis-dev) it still runs; the Redis rows say so.
bench: build
	@sh .ci/deps.sh bench || echo "catchball: no Redis peer; make bench runs without it"
	cmake -S bench -B build-bench
	cmake --build build-bench -j $(JOBS)
	cd bench && ../build-bench/cbbench --catchballd $(abspath $(BUILD))/catchballd --out results.json
