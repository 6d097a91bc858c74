"""Evaluation: the question set, the runner and its metrics, the tutorial baseline, the benchmark.

    python -m eval [--questions PATH] [--split dev|test|all] [--json] [--report DIR] [--baseline]
    python -m eval.bench [--json] [--questions PATH]
"""
