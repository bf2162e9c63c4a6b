# Empty compiler generated dependencies file for test_valid.
# This may be replaced when dependencies are built.
