# Empty compiler generated dependencies file for account.
# This may be replaced when dependencies are built.
