file(REMOVE_RECURSE
  "CMakeFiles/reconcile.dir/cgi/reconcile.c.o"
  "CMakeFiles/reconcile.dir/cgi/reconcile.c.o.d"
  "reconcile"
  "reconcile.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/reconcile.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
