# Empty dependencies file for amobill.
# This may be replaced when dependencies are built.
