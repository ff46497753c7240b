"""kneechain.web"""
