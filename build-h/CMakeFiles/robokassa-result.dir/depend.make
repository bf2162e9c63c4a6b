# Empty dependencies file for robokassa-result.
# This may be replaced when dependencies are built.
