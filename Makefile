# The README's two commands, and little else. CMake does the building.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test test-asan clean

all: build

deps:
	@sh .ci/deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	@sh .ci/deps.sh
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

# The broker on its embedded defaults: tcp://127.0.0.1:5555, store in ./var/catchball.
run: build
	./$(BUILD)/catchballd

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCB_SANITIZE=ON"

clean:
	rm -rf $(BUILD) build-asan
