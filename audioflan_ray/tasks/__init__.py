"""Audio-FLAN tasks: the catalog of 80 minor tasks and the YAML templates that turn recordings into instances."""
