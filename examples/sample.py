"""A tiny sample for `hushcode complete`."""


def fibonacci(n: int) -> int:
    """Return the n-th Fibonacci number."""
    
