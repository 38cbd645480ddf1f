# deps: the deps-cli driver (bp_deps as bin/build uses it) and, when Go is
# installed, the fault-injection tests of integration/deps against a
# loopback server, run through ctest with BP_DEPS_CLI pointing at it.
add_executable(deps-cli ${CMAKE_CURRENT_SOURCE_DIR}/data/deps/deps_cli.c)
target_link_libraries(deps-cli PRIVATE bp_deps bp_cnb)
set_target_properties(deps-cli PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})

find_program(BP_GO_EXECUTABLE go)
if(BP_GO_EXECUTABLE)
  add_test(NAME integration_deps
           COMMAND ${BP_GO_EXECUTABLE} test -count=1 ./deps/
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/integration)
  set_tests_properties(integration_deps PROPERTIES
    ENVIRONMENT "BP_DEPS_CLI=$<TARGET_FILE:deps-cli>;ASAN_OPTIONS=detect_leaks=1"
    TIMEOUT 600)
endif()
# The layer-reuse tests (cnb/layer_contribute.c) also check what deps records
# in a layer (metadata, SBOM).
target_link_libraries(test_cnb_layer_contribute PRIVATE bp_deps)
