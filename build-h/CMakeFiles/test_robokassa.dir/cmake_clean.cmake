file(REMOVE_RECURSE
  "CMakeFiles/test_robokassa.dir/tests/unit/test_robokassa.c.o"
  "CMakeFiles/test_robokassa.dir/tests/unit/test_robokassa.c.o.d"
  "test_robokassa"
  "test_robokassa.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_robokassa.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
