# The fuzz drivers in the test suite (included by tests/CMakeLists.txt).
# fuzz/ is built as its own CMake project with clang, whatever compiler
# builds floe, when clang can link -fsanitize=fuzzer (scripts/setup.sh
# --test installs it); CTest then runs each driver for FLOE_FUZZ_SECONDS
# over its seed corpus fuzz/corpus/<name>/ (label "fuzz"). New inputs go to
# <build>/fuzz-corpus/<name>/, crashes to <build>/fuzz-crashes/<name>-*.
# Without clang the drivers are neither built nor registered.
option(FLOE_FUZZ "Build the libFuzzer drivers with clang and run them in the tests" ON)
set(FLOE_FUZZ_SECONDS 10 CACHE STRING "seconds each fuzz driver runs under CTest")
set(fuzz_names avro metadata footer yaml jinja sqlsplit)

if(FLOE_FUZZ AND NOT DEFINED FLOE_FUZZ_CLANG_WORKS)
  find_program(FLOE_CLANG NAMES clang clang-16 clang-15 clang-14)
  set(works OFF)
  if(FLOE_CLANG)
    set(probe "${CMAKE_BINARY_DIR}/fuzz-probe")
    file(WRITE "${probe}.c"
         "#include <stddef.h>\n#include <stdint.h>\n"
         "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n")
    execute_process(COMMAND "${FLOE_CLANG}" -fsanitize=fuzzer,address,undefined
                            "${probe}.c" -o "${probe}"
                    RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_QUIET)
    if(probe_rc EQUAL 0)
      set(works ON)
    endif()
  endif()
  if(works) # a failure is not kept: clang installed later is found
    set(FLOE_FUZZ_CLANG_WORKS ON CACHE BOOL "clang links libFuzzer drivers")
  else()
    message(STATUS "fuzz drivers: not built (no clang with libFuzzer; scripts/setup.sh --test)")
  endif()
endif()

if(FLOE_FUZZ AND FLOE_FUZZ_CLANG_WORKS)
  include(ExternalProject)
  ExternalProject_Add(floe_fuzz
    SOURCE_DIR "${CMAKE_SOURCE_DIR}/fuzz"
    BINARY_DIR "${CMAKE_BINARY_DIR}/fuzz"
    CMAKE_ARGS -DCMAKE_C_COMPILER=${FLOE_CLANG} -DFLOE_SOURCE_DIR=${CMAKE_SOURCE_DIR}
               -DFLOE_DUCKDB_DIR=${FLOE_DUCKDB_DIR}
    BUILD_ALWAYS ON
    INSTALL_COMMAND "")
  # -timeout is wall-clock time per input: one input takes milliseconds,
  # but a shorter limit misfires on a loaded machine (seen at 10 s)
  foreach(name ${fuzz_names})
    file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz-corpus/${name}"
                        "${CMAKE_BINARY_DIR}/fuzz-crashes")
    add_test(NAME fuzz_${name}
             COMMAND "${CMAKE_BINARY_DIR}/fuzz/fuzz_${name}"
                     -max_total_time=${FLOE_FUZZ_SECONDS} -rss_limit_mb=2048 -timeout=30
                     -print_final_stats=1
                     "-artifact_prefix=${CMAKE_BINARY_DIR}/fuzz-crashes/${name}-"
                     "${CMAKE_BINARY_DIR}/fuzz-corpus/${name}"
                     "${CMAKE_SOURCE_DIR}/fuzz/corpus/${name}")
    math(EXPR limit "${FLOE_FUZZ_SECONDS} * 3 + 60")
    set_tests_properties(fuzz_${name} PROPERTIES LABELS fuzz TIMEOUT ${limit})
  endforeach()
endif()
