"""Our WebDataset sink: deterministic tar pieces per (folder, unit), made visible by a commit step."""
