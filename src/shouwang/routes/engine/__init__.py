"""Routing engine: readers of the benchmark formats and the solvers behind ``solve-routes``.

Kept free of Django so the benchmarks and the contract command can use it without a database.
"""
