# Fixtures for the elf tests: real Go binaries built from tests/data/elf/hello
# with the installed go in several flag and architecture variants, plus a C
# program with and without debug info. All land in <build>/tests/elf-fixtures.
find_program(BP_GO go)
if(NOT BP_GO)
  message(FATAL_ERROR "go not found in PATH: the elf tests build real Go binaries "
                      "as fixtures. Install Go, or configure with -DBP_TESTS=OFF.")
endif()

function(bp_go_env var out)
  execute_process(COMMAND ${BP_GO} env ${var} OUTPUT_VARIABLE value
                  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR value STREQUAL "")
    message(FATAL_ERROR "`${BP_GO} env ${var}` failed (${rc})")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

bp_go_env(GOVERSION BP_GO_VERSION)
bp_go_env(GOHOSTARCH BP_GO_HOSTARCH)
# Go turns cgo off by itself when it finds no C compiler; only then is the
# cgo variant skipped.
bp_go_env(CGO_ENABLED BP_GO_CGO)

# go refuses to build without a cache; CI users without HOME get one here.
bp_go_env(GOCACHE BP_GO_CACHE)
if(BP_GO_CACHE STREQUAL "off")
  set(BP_GO_CACHE ${CMAKE_CURRENT_BINARY_DIR}/go-cache)
endif()

set(BP_ELF_FIXTURES ${CMAKE_CURRENT_BINARY_DIR}/elf-fixtures)
set(BP_ELF_HELLO ${CMAKE_CURRENT_SOURCE_DIR}/data/elf/hello)
set(BP_ELF_HELLO_SOURCES ${BP_ELF_HELLO}/go.mod ${BP_ELF_HELLO}/main.go ${BP_ELF_HELLO}/cgo.go)
set(BP_ELF_GO_OUTPUTS "")

# bp_elf_go_fixture(<name> <GOARCH> <CGO_ENABLED> [go build flags...])
macro(bp_elf_go_fixture name goarch cgo)
  set(out ${BP_ELF_FIXTURES}/hello-${name})
  # The environment is spelled out so a developer's GOFLAGS, go.work or
  # toolchain switching cannot change what is built.
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E env GOOS=linux GOARCH=${goarch} CGO_ENABLED=${cgo}
            GOFLAGS=-buildvcs=false GOTOOLCHAIN=local GOWORK=off GO111MODULE=on
            GOCACHE=${BP_GO_CACHE}
            ${BP_GO} build -o ${out} ${ARGN} .
    WORKING_DIRECTORY ${BP_ELF_HELLO}
    DEPENDS ${BP_ELF_HELLO_SOURCES}
    COMMENT "Building Go fixture hello-${name}"
    VERBATIM)
  list(APPEND BP_ELF_GO_OUTPUTS ${out})
endmacro()

bp_elf_go_fixture(default ${BP_GO_HOSTARCH} 0)
bp_elf_go_fixture(nodwarf ${BP_GO_HOSTARCH} 0 "-ldflags=-w")
bp_elf_go_fixture(stripped ${BP_GO_HOSTARCH} 0 "-ldflags=-s -w")
bp_elf_go_fixture(plaindwarf ${BP_GO_HOSTARCH} 0 "-ldflags=-compressdwarf=false")
bp_elf_go_fixture(trimpath ${BP_GO_HOSTARCH} 0 -trimpath)
bp_elf_go_fixture(pie ${BP_GO_HOSTARCH} 0 -buildmode=pie -trimpath)
bp_elf_go_fixture(noopt ${BP_GO_HOSTARCH} 0 "-gcflags=all=-N -l")
bp_elf_go_fixture(noopt-main ${BP_GO_HOSTARCH} 0 "-gcflags=-N -l")
bp_elf_go_fixture(noinline ${BP_GO_HOSTARCH} 0 "-gcflags=all=-l")
bp_elf_go_fixture(arm64 arm64 0)
bp_elf_go_fixture(386 386 0)
bp_elf_go_fixture(mips mips 0)
bp_elf_go_fixture(s390x s390x 0)
if(BP_GO_CGO STREQUAL "1")
  bp_elf_go_fixture(cgo ${BP_GO_HOSTARCH} 1)
  set(BP_ELF_HAVE_CGO 1)
else()
  message(STATUS "go reports no C compiler: the cgo fixture is skipped")
  set(BP_ELF_HAVE_CGO 0)
endif()
add_custom_target(elf_go_fixtures DEPENDS ${BP_ELF_GO_OUTPUTS})

# A C program: ELF, not Go; once with DWARF and symbols, once without.
add_executable(elf_fixture_notgo ${CMAKE_CURRENT_SOURCE_DIR}/data/elf/notgo.c)
target_compile_options(elf_fixture_notgo PRIVATE -g -O0)
add_executable(elf_fixture_notgo_stripped ${CMAKE_CURRENT_SOURCE_DIR}/data/elf/notgo.c)
target_compile_options(elf_fixture_notgo_stripped PRIVATE -g0)
target_link_options(elf_fixture_notgo_stripped PRIVATE -s)
set_target_properties(elf_fixture_notgo PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${BP_ELF_FIXTURES} OUTPUT_NAME notgo)
set_target_properties(elf_fixture_notgo_stripped PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${BP_ELF_FIXTURES} OUTPUT_NAME notgo-stripped)

if(TARGET test_elf)
  add_dependencies(test_elf elf_go_fixtures elf_fixture_notgo elf_fixture_notgo_stripped)
  target_compile_definitions(test_elf PRIVATE
    BP_ELF_FIXTURES="${BP_ELF_FIXTURES}" BP_GO_VERSION="${BP_GO_VERSION}"
    BP_GO_HOSTARCH="${BP_GO_HOSTARCH}" BP_ELF_HAVE_CGO=${BP_ELF_HAVE_CGO})
endif()
if(TARGET test_elf_buildinfo)
  target_include_directories(test_elf_buildinfo PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/data/elf)
endif()

# Fuzzing: small synthetic seeds (a multi-megabyte Go binary would make
# every mutation slow), written by a generator built from the same source.
if(BP_FUZZ)
  add_executable(elf_fuzz_seeds ${CMAKE_CURRENT_SOURCE_DIR}/data/elf/make_seeds.c)
  target_include_directories(elf_fuzz_seeds PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/data/elf)
  target_link_libraries(elf_fuzz_seeds PRIVATE bp_common)
endif()

# test_elf_hardening reads the executables this build made; fortify is only
# expected where the top-level CMakeLists.txt turns it on.
if(TARGET test_elf_hardening)
  set(BP_EXPECT_FORTIFY 0)
  if(BP_HARDEN AND NOT BP_SANITIZE AND NOT BP_FUZZ
     AND CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo|MinSizeRel)$")
    set(BP_EXPECT_FORTIFY 1)
  endif()
  target_compile_definitions(test_elf_hardening PRIVATE
    BP_HARDENED_BIN_DIR="${BP_BIN_DIR}" BP_EXPECT_FORTIFY=${BP_EXPECT_FORTIFY})
  add_dependencies(test_elf_hardening detect build debug-launch)
  if(NOT BP_HARDEN)
    set_tests_properties(test_elf_hardening PROPERTIES DISABLED TRUE)
  endif()
endif()
