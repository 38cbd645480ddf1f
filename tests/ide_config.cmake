# tools/ide-config (Python 3, standard library only): its unit tests, which
# also read an image from a registry served on loopback.
find_program(BP_PYTHON3 python3)
if(BP_PYTHON3)
  add_test(NAME tools_ide_config
           COMMAND ${BP_PYTHON3} -m unittest discover -s ${PROJECT_SOURCE_DIR}/tools/tests)
endif()
