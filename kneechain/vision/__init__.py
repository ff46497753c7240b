"""kneechain.vision: from a phone video to clean, labelled joint trajectories and angles.

Public entry points (see docs/vision.md):

* `pipeline.analyse` / `pipeline.run_pose` with `pipeline.PoseOptions`: the whole run.
* `trajectories.Trajectories`, `save`, `load`, `from_points`: the data type and its file.
* `cleaning.clean` with `CleaningConfig` (cut-off per test), and its single steps.
* `kinematics`: pure angle functions; `angles.angle_table`: the standard per-frame set.
* `backends.register_backend`: add a pose model without touching the rest.
* `errors.VideoError`: every unusable-video problem, with advice on how to film again.
* `sample_data.demo_video`: the real demo clip for tests and benchmarks.
"""
