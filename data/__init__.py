"""Installed as ``thresher.data`` for one file only: ``region_vocabulary.json``, which the model reads.

Everything else here (fixtures, gold label files) is for tests and training and is not installed.
"""
