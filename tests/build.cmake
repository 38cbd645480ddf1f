# bin/build end to end on temp dirs, without the lifecycle: each
# tests/test_build*.c runs the built `build` and `debug-launch` executables
# and reads what they wrote with bp_toml and jansson. There is no bp_build
# library, so the generic loop in CMakeLists.txt skips these files.
file(GLOB BP_BUILD_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_build*.c)
if(BP_BUILD_TESTS AND TARGET build AND TARGET debug-launch)
  pkg_check_modules(BP_BUILD_TEST_JANSSON REQUIRED IMPORTED_TARGET jansson)
  pkg_check_modules(BP_BUILD_TEST_CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
  foreach(source IN LISTS BP_BUILD_TESTS)
    get_filename_component(name ${source} NAME_WE)
    add_executable(${name} ${source})
    target_link_libraries(${name} PRIVATE bp_toml bp_common bp_test_fixture PkgConfig::CMOCKA
                          PkgConfig::BP_BUILD_TEST_JANSSON PkgConfig::BP_BUILD_TEST_CRYPTO)
    target_compile_definitions(${name} PRIVATE
      BP_SOURCE_DIR="${PROJECT_SOURCE_DIR}" BP_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data"
      BP_BUILD_EXE="$<TARGET_FILE:build>" BP_LAUNCH_EXE="$<TARGET_FILE:debug-launch>")
    add_dependencies(${name} build debug-launch)
    add_test(NAME ${name} COMMAND ${name})
    # The executables under test inherit these: a leak in bin/build shows
    # up on its stderr, which the tests check line by line.
    set_tests_properties(${name} PROPERTIES TIMEOUT 300
      ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1")
  endforeach()
endif()
