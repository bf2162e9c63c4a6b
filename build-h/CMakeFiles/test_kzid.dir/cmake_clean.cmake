file(REMOVE_RECURSE
  "CMakeFiles/test_kzid.dir/tests/unit/test_kzid.c.o"
  "CMakeFiles/test_kzid.dir/tests/unit/test_kzid.c.o.d"
  "test_kzid"
  "test_kzid.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_kzid.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
