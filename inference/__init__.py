"""thresher.inference: load a model, label blocks, return the story (``extract``) and the CLI."""
