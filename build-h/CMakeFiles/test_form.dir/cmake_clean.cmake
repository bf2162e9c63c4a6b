file(REMOVE_RECURSE
  "CMakeFiles/test_form.dir/tests/unit/test_form.c.o"
  "CMakeFiles/test_form.dir/tests/unit/test_form.c.o.d"
  "test_form"
  "test_form.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_form.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
