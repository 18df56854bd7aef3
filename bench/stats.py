"""How bench/run.py turns samples into a row: rounds of turns, medians, paired ratios.

On a small shared machine the speed of everything drifts by 10-20 % over seconds (other
tenants, the server process sharing the cores), more than the differences measured. So
the libraries take short turns, one sample each per round, in an order that flips every
round (neither always goes first); a library's figure is the median of its samples, and
its ratio to the floor is the median of the ratios within each round, where both samples
were taken within a fraction of a second of each other. Both are printed; the targets are
checked against the paired ratio.

After the warm-up the heap is frozen (``gc.freeze``): all three libraries are imported in one
process, and without it every full collection would walk knockapi's large import-time heap,
charging whichever library happened to trigger it. Frozen, a collection costs what the
garbage of the requests costs, as in an application that froze its own heap after start-up.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

FLOOR = "urllib3"  # the floor's column (raw aiohttp in the async rows)
RATIO = "ratio:"  # row["ratio:knockkit"]: the paired ratio to the floor

L = TypeVar("L")


def turns(libs: Sequence[L], count: int) -> list[list[tuple[int, L]]]:
    """``count`` rounds of (round, library) turns, the order flipping every round."""
    return [[(r, lib) for lib in (libs if r % 2 == 0 else list(reversed(libs)))] for r in range(count)]


def row(samples: dict[str, dict[int, float]], scale: float = 1.0) -> dict[str, float]:
    """Each library's median sample (times ``scale``) and its paired ratio to the floor.

    ``samples[name][round]`` is one sample; a library may skip rounds (a slow one takes fewer
    samples) and is then paired only in the rounds it took.
    """
    out = {name: statistics.median(values.values()) * scale for name, values in samples.items() if values}
    floor = samples.get(FLOOR, {})
    for name, values in samples.items():
        pairs = [value / floor[r] for r, value in values.items() if name != FLOOR and floor.get(r)]
        if pairs:
            out[RATIO + name] = statistics.median(pairs)
    return out


def ratio(result: dict[str, float], name: str) -> float | None:
    """The ratio shown and checked for ``name``: the paired one, else of the medians."""
    if RATIO + name in result:
        return result[RATIO + name]
    floor = result.get(FLOOR)
    return result[name] / floor if floor and name in result else None


def collect(
    libs: Sequence[Any], count: int, sample: Callable[[Any, int], float | None]
) -> dict[str, dict[int, float]]:
    """``sample(lib, round)`` over ``count`` rounds; ``None`` means the library sits that round out."""
    samples: dict[str, dict[int, float]] = {lib.name: {} for lib in libs}
    for turn in turns(libs, count):
        for r, lib in turn:
            value = sample(lib, r)
            if value is not None:
                samples[lib.name][r] = value
    return samples


def settle() -> None:
    """Collect, then freeze what is left (imports, pools, warm-up) out of later collections."""
    gc.collect()
    gc.freeze()
