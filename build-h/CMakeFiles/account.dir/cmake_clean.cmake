file(REMOVE_RECURSE
  "CMakeFiles/account.dir/cgi/account.c.o"
  "CMakeFiles/account.dir/cgi/account.c.o.d"
  "account"
  "account.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/account.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
