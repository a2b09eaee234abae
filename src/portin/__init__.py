"""portin: port-in orders, their immutable event history, and notifications about both."""

__version__ = "0.1.0"
