"""kneechain.assess"""
