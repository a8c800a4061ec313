"""The build pipeline: plan -> stages (pure row functions) -> Ray Data operators -> our WebDataset sink."""
