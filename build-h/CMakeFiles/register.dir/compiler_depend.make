# Empty compiler generated dependencies file for register.
# This may be replaced when dependencies are built.
