# Empty compiler generated dependencies file for test_kzid.
# This may be replaced when dependencies are built.
