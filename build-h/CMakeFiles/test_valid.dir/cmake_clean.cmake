file(REMOVE_RECURSE
  "CMakeFiles/test_valid.dir/tests/unit/test_valid.c.o"
  "CMakeFiles/test_valid.dir/tests/unit/test_valid.c.o.d"
  "test_valid"
  "test_valid.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_valid.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
