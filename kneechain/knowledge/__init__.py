"""kneechain.knowledge"""
