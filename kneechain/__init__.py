"""kneechain: knee pain along the kinetic chain, measured from a phone video."""

__version__ = "0.1.0"
