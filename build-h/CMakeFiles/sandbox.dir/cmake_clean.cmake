file(REMOVE_RECURSE
  "CMakeFiles/sandbox.dir/cgi/sandbox.c.o"
  "CMakeFiles/sandbox.dir/cgi/sandbox.c.o.d"
  "sandbox"
  "sandbox.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sandbox.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
