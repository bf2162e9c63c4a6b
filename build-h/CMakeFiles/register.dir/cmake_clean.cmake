file(REMOVE_RECURSE
  "CMakeFiles/register.dir/cgi/register.c.o"
  "CMakeFiles/register.dir/cgi/register.c.o.d"
  "register"
  "register.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/register.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
