"""Answering pygame questions from pygame's own docs and examples (BM25, dense embeddings, fused)."""
