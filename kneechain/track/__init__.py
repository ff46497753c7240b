"""Tracking and storage: people, assessments, programs, logged sessions and outcomes over time."""
