# Empty compiler generated dependencies file for checkout.
# This may be replaced when dependencies are built.
