file(REMOVE_RECURSE
  "CMakeFiles/checkout.dir/cgi/checkout.c.o"
  "CMakeFiles/checkout.dir/cgi/checkout.c.o.d"
  "checkout"
  "checkout.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/checkout.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
