"""kneechain.track"""
