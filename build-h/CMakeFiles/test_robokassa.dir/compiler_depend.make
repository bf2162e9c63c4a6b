# Empty compiler generated dependencies file for test_robokassa.
# This may be replaced when dependencies are built.
