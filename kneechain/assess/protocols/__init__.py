"""Video test protocols: each filmable test measured from a clip, with quality and proof frames."""
