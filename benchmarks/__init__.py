"""Benchmarks and synthetic data generators for integration-kg."""
