"""kneechain.program"""
