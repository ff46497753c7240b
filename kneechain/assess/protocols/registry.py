"""Which protocol measures which test: knowledge-base test id -> analysis function."""

from __future__ import annotations

from collections.abc import Callable

from kneechain.assess.case import Side
from kneechain.assess.protocols import (
    balance,
    gait,
    hip_rotation,
    knee_to_wall,
    single_leg_squat,
    squat,
    thomas,
)
from kneechain.assess.protocols.config import ProtocolConfig
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.vision.trajectories import Trajectories

Protocol = Callable[[Trajectories, ProtocolConfig, Side | None], ProtocolResult]

PROTOCOLS: dict[str, Protocol] = {
    "lying_leg_turn": hip_rotation.lying,
    "seated_hip_rotation": hip_rotation.seated,
    "thomas_test": thomas.analyse,
    "knee_to_wall": knee_to_wall.analyse,
    "double_leg_squat": squat.analyse,
    "single_leg_squat": single_leg_squat.analyse,
    "single_leg_balance": balance.analyse,
    "gait": gait.analyse,
}


def protocol(test_id: str) -> Protocol:
    """The protocol of `test_id`; a clear error naming the filmable tests otherwise."""
    try:
        return PROTOCOLS[test_id]
    except KeyError:
        raise ValueError(
            f"No video protocol for test {test_id!r}; choose one of: {', '.join(PROTOCOLS)}."
        ) from None
