"""thresher.inference: see the module docstrings."""
