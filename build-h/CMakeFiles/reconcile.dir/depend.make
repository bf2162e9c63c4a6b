# Empty dependencies file for reconcile.
# This may be replaced when dependencies are built.
