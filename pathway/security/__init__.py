"""Trust: who may do what, and what Temporal may read (nothing personal, nothing in clear)."""
