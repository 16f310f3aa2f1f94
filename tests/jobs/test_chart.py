"""The weekly chart is a real PNG: the signature, 1200 x 700 in its IHDR chunk, and it opens."""

from __future__ import annotations

import io
import struct
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from matplotlib.image import imread

from jobs.chart import ChartData, StageValue, WeekWon, render_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which always comes first after the signature."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def sample() -> ChartData:
    monday = date(2026, 11, 30)
    first = monday - timedelta(days=55)
    return ChartData(
        today=monday,
        open_by_stage=(
            StageValue("Lead: Inquiry", Decimal("1250"), False),
            StageValue("Lead: Estimate sent", Decimal("5400.50"), False),
            StageValue("Deal: Proposal sent", Decimal("12000"), True),
        ),
        won_by_week=tuple(
            WeekWon(
                first + timedelta(days=7 * i), first + timedelta(days=7 * i + 6), Decimal(800 * i)
            )
            for i in range(8)
        ),
    )


def test_the_chart_is_a_1200_by_700_png_that_opens() -> None:
    data = render_chart(sample())
    assert data.startswith(PNG_SIGNATURE)
    assert png_size(data) == (1200, 700)
    assert 10_000 < len(data) < 1_000_000
    pixels = imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (700, 1200)
    assert pixels.std() > 0  # something was drawn


def test_an_empty_pipeline_still_draws() -> None:
    empty = ChartData(
        today=date(2026, 11, 30),
        open_by_stage=(StageValue("Lead: Inquiry", Decimal(0), False),),
        won_by_week=(WeekWon(date(2026, 11, 24), date(2026, 11, 30), Decimal(0)),),
    )
    assert png_size(render_chart(empty)) == (1200, 700)


def test_the_readme_sample_is_such_a_chart() -> None:
    sample_png = Path(__file__).resolve().parents[2] / "docs" / "weekly-chart-sample.png"
    data = sample_png.read_bytes()
    assert png_size(data) == (1200, 700)
    assert imread(io.BytesIO(data), format="png").shape[:2] == (700, 1200)
