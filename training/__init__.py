"""thresher.training: see the module docstrings."""
