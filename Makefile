# Thin wrapper over CMake/CTest. `make run` and `make test` install what is
# missing first (scripts/setup.sh); `make interop` also what the interop
# suite needs (scripts/setup-interop.sh) and runs the tests labelled
# `interop`, which `make test` leaves out.
BUILD ?= build
SANITIZE ?= 0
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

ifeq ($(SANITIZE),1)
BUILD := $(BUILD)-sanitize
CMAKE_FLAGS += -DFLOE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
endif

.PHONY: all setup setup-test setup-interop configure build run test interop bench clean format

all: build

setup:
	@sh scripts/setup.sh

setup-test:
	@sh scripts/setup.sh --test

setup-interop:
	@sh scripts/setup-interop.sh

configure:
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: setup configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@sh scripts/run-example.sh $(BUILD)/floe

test: setup-test configure
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE interop

interop: setup setup-interop configure
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -L interop

bench: build
	@bash bench/run.sh $(BUILD)/floe
	@bash bench/jaffle.sh $(BUILD)/floe

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-sanitize
