# Empty dependencies file for sandbox.
# This may be replaced when dependencies are built.
