# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build-unit
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[unit_base64]=] "/work/main/build-unit/test_base64")
set_tests_properties([=[unit_base64]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;59;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[unit_buf]=] "/work/main/build-unit/test_buf")
set_tests_properties([=[unit_buf]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;59;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[unit_config]=] "/work/main/build-unit/test_config")
set_tests_properties([=[unit_config]=] PROPERTIES  ENVIRONMENT "FIXTURES=/work/main/tests/unit/config" LABELS "unit" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;59;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[unit_crypto]=] "/work/main/build-unit/test_crypto")
set_tests_properties([=[unit_crypto]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;59;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[unit_form]=] "/work/main/build-unit/test_form")
set_tests_properties([=[unit_form]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;59;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[unit_html]=] "/work/main/build-unit/test_html")
set_tests_properties([=[unit_html]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;59;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[unit_kzid]=] "/work/main/build-unit/test_kzid")
set_tests_properties([=[unit_kzid]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;59;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[unit_utf8]=] "/work/main/build-unit/test_utf8")
set_tests_properties([=[unit_utf8]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;59;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[unit_valid]=] "/work/main/build-unit/test_valid")
set_tests_properties([=[unit_valid]=] PROPERTIES  LABELS "unit" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;59;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[http_test_auth]=] "/root/.pyenv/shims/python3" "/work/main/tests/http/test_auth.py")
set_tests_properties([=[http_test_auth]=] PROPERTIES  LABELS "http" RESOURCE_LOCK "stack" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;71;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[http_test_journey]=] "/root/.pyenv/shims/python3" "/work/main/tests/http/test_journey.py")
set_tests_properties([=[http_test_journey]=] PROPERTIES  LABELS "http" RESOURCE_LOCK "stack" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;71;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[http_test_register_input]=] "/root/.pyenv/shims/python3" "/work/main/tests/http/test_register_input.py")
set_tests_properties([=[http_test_register_input]=] PROPERTIES  LABELS "http" RESOURCE_LOCK "stack" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;71;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[http_test_runtime]=] "/root/.pyenv/shims/python3" "/work/main/tests/http/test_runtime.py")
set_tests_properties([=[http_test_runtime]=] PROPERTIES  LABELS "http" RESOURCE_LOCK "stack" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;71;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[sql_kz_identifiers]=] "/work/main/scripts/psql" "-X" "-q" "-v" "ON_ERROR_STOP=1" "-f" "/work/main/tests/sql/kz_identifiers.sql")
set_tests_properties([=[sql_kz_identifiers]=] PROPERTIES  LABELS "sql" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;77;add_test;/work/main/CMakeLists.txt;0;")
