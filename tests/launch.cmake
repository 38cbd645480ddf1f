# Exec-level launch tests run the built debug-launch through a temporary
# layer; the test binary itself plays the real tools (probe mode).
if(TARGET test_launch_exec AND TARGET debug-launch)
  add_dependencies(test_launch_exec debug-launch)
  target_compile_definitions(test_launch_exec PRIVATE LAUNCH_BIN="$<TARGET_FILE:debug-launch>")
endif()
