
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/lib/base64.c" "CMakeFiles/amobill.dir/lib/base64.c.o" "gcc" "CMakeFiles/amobill.dir/lib/base64.c.o.d"
  "/work/main/lib/buf.c" "CMakeFiles/amobill.dir/lib/buf.c.o" "gcc" "CMakeFiles/amobill.dir/lib/buf.c.o.d"
  "/work/main/lib/config.c" "CMakeFiles/amobill.dir/lib/config.c.o" "gcc" "CMakeFiles/amobill.dir/lib/config.c.o.d"
  "/work/main/lib/crypto.c" "CMakeFiles/amobill.dir/lib/crypto.c.o" "gcc" "CMakeFiles/amobill.dir/lib/crypto.c.o.d"
  "/work/main/lib/db.c" "CMakeFiles/amobill.dir/lib/db.c.o" "gcc" "CMakeFiles/amobill.dir/lib/db.c.o.d"
  "/work/main/lib/fetch.c" "CMakeFiles/amobill.dir/lib/fetch.c.o" "gcc" "CMakeFiles/amobill.dir/lib/fetch.c.o.d"
  "/work/main/lib/form.c" "CMakeFiles/amobill.dir/lib/form.c.o" "gcc" "CMakeFiles/amobill.dir/lib/form.c.o.d"
  "/work/main/lib/html.c" "CMakeFiles/amobill.dir/lib/html.c.o" "gcc" "CMakeFiles/amobill.dir/lib/html.c.o.d"
  "/work/main/lib/http.c" "CMakeFiles/amobill.dir/lib/http.c.o" "gcc" "CMakeFiles/amobill.dir/lib/http.c.o.d"
  "/work/main/lib/kzid.c" "CMakeFiles/amobill.dir/lib/kzid.c.o" "gcc" "CMakeFiles/amobill.dir/lib/kzid.c.o.d"
  "/work/main/lib/log.c" "CMakeFiles/amobill.dir/lib/log.c.o" "gcc" "CMakeFiles/amobill.dir/lib/log.c.o.d"
  "/work/main/lib/money.c" "CMakeFiles/amobill.dir/lib/money.c.o" "gcc" "CMakeFiles/amobill.dir/lib/money.c.o.d"
  "/work/main/lib/page.c" "CMakeFiles/amobill.dir/lib/page.c.o" "gcc" "CMakeFiles/amobill.dir/lib/page.c.o.d"
  "/work/main/lib/robokassa.c" "CMakeFiles/amobill.dir/lib/robokassa.c.o" "gcc" "CMakeFiles/amobill.dir/lib/robokassa.c.o.d"
  "/work/main/lib/server.c" "CMakeFiles/amobill.dir/lib/server.c.o" "gcc" "CMakeFiles/amobill.dir/lib/server.c.o.d"
  "/work/main/lib/session.c" "CMakeFiles/amobill.dir/lib/session.c.o" "gcc" "CMakeFiles/amobill.dir/lib/session.c.o.d"
  "/work/main/lib/utf8.c" "CMakeFiles/amobill.dir/lib/utf8.c.o" "gcc" "CMakeFiles/amobill.dir/lib/utf8.c.o.d"
  "/work/main/lib/valid.c" "CMakeFiles/amobill.dir/lib/valid.c.o" "gcc" "CMakeFiles/amobill.dir/lib/valid.c.o.d"
  "/work/main/build-h/templates.c" "CMakeFiles/amobill.dir/templates.c.o" "gcc" "CMakeFiles/amobill.dir/templates.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
