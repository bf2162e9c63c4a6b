# Empty dependencies file for test_form.
# This may be replaced when dependencies are built.
