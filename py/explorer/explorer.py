"""The explorer's part of the page state: R, y, z, the log axis and your own
loss, declared as Fields (explorer.fields) like every panel's. Order matters
when a hash is read: R comes before z, whose bounds it sets."""
from __future__ import annotations

from dataclasses import replace

from . import ownloss
from .fields import Field, clamp

Z_STEP = 0.01


def snap(z: float) -> float:
    """Round to the slider's 0.01 grid (keeps z, zNum and the hash in step)."""
    return round(round(z / Z_STEP) * Z_STEP, 2) + 0.0  # + 0.0 turns −0.0 into 0.0


# State.with_z and State.with_range: z and R move together.
def with_z(self, z: float):
    return replace(self, z=clamp(snap(z), -self.R, self.R))


def with_range(self, R: float):
    R = clamp(R, _R.lo, _R.hi)
    return replace(self, R=R, z=clamp(self.z, -R, R))


_R = Field("R", "R", "number", 8.0, lo=1.0, hi=50.0, always=True, what="a range R", apply=with_range)
FIELDS = (
    _R,
    Field("y", "y", "choice", 1, choices=("0", "1"), always=True),
    Field("z", "z", "number", -2.0, lo=-50.0, hi=50.0, always=True,
          within=lambda s: (-s.R, s.R), apply=with_z),
    Field("log", "log_grad", "flag", False),
    # Your own loss (SPEC §11): only ever an expression of the grammar; "" for none.
    Field("loss", "loss", "text", "", accept=ownloss.accepts),
)
