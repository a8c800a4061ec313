"""Pure audio operations (numpy in, numpy out). No Ray import anywhere in this package."""
