# toml-test wiring: the decoder/encoder commands the official suite drives,
# and the suite itself as the ctest test toml_test_suite.
if(NOT TARGET PkgConfig::JANSSON)
  pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
endif()

foreach(tool decoder encoder)
  add_executable(toml-${tool} ${CMAKE_CURRENT_SOURCE_DIR}/toml-test/${tool}.c)
  target_link_libraries(toml-${tool} PRIVATE bp_toml)
endforeach()
# The encoder reads JSON itself: jansson refuses keys holding NUL.
target_link_libraries(toml-decoder PRIVATE PkgConfig::JANSSON)

# The first run may fetch toml-test through the Go module proxy (go install).
add_test(NAME toml_test_suite
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run-toml-test.sh ${CMAKE_BINARY_DIR})
set_tests_properties(toml_test_suite PROPERTIES
  TIMEOUT 900
  ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1")
