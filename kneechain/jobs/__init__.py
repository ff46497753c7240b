"""kneechain.jobs"""
