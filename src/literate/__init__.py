"""literate: read text-rich images, remember long documents on a budget, adapt cheaply."""

__version__ = "0.1.0"
