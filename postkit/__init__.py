"""postkit: turn an article and one illustration into a ready-to-upload Instagram carousel."""

__version__ = "0.1.0"

__all__ = ["__version__"]
