"""kneechain.vision"""
