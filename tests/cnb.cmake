# test_cnb_env compares the launch env it computes with what the real
# lifecycle launcher gives a process. The launcher comes from the tools
# cache integration/build-tools.sh fills (BP_DEBUG_CACHE, else <repo>/.cache);
# without it that one test is skipped, and says so.
if(TARGET test_cnb_env)
  if(DEFINED ENV{BP_DEBUG_CACHE})
    set(BP_TEST_TOOLS_CACHE "$ENV{BP_DEBUG_CACHE}")
  else()
    set(BP_TEST_TOOLS_CACHE "${PROJECT_SOURCE_DIR}/.cache")
  endif()
  set_property(TEST test_cnb_env APPEND PROPERTY ENVIRONMENT "BP_DEBUG_CACHE=${BP_TEST_TOOLS_CACHE}")
endif()
