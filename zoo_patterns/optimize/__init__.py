"""Optimising for deployment (lesson 10): pruning, quantisation and the benchmark that judges them."""
