"""kneechain.report"""
