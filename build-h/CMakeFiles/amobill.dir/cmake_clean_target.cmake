file(REMOVE_RECURSE
  "libamobill.a"
)
