"""Corpus building, training, evaluation and model cards (never imported by `detector`)."""
