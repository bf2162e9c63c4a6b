file(REMOVE_RECURSE
  "CMakeFiles/robokassa-result.dir/cgi/robokassa-result.c.o"
  "CMakeFiles/robokassa-result.dir/cgi/robokassa-result.c.o.d"
  "robokassa-result"
  "robokassa-result.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/robokassa-result.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
