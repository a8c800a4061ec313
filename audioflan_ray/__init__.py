"""audioflan-ray: build Audio-FLAN-style instruction datasets from raw audio corpora on Ray."""

__version__ = "0.1.0"
