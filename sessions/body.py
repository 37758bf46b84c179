"""Body regions for session notes, shared by the note form and the body map."""

from clients.health import REGION_LABELS, REGIONS  # noqa: F401 (one list, asked at intake too)

SIDES = [("left", "Left"), ("right", "Right"), ("both", "Both"), ("centre", "Centre")]
ASPECTS = [("front", "Front"), ("back", "Back")]
TENSION = [
    ("", "Not noted"),
    ("mild", "Mild"),
    ("moderate", "Moderate"),
    ("marked", "Marked"),
]


# The body-map figure: (region on the front, region on the back, position, x, y, w, h).
# Position is "centre" or the figure's "left"/"right" as drawn; on the front view the
# figure's left is the client's right, as on any chart.
_FIGURE = [
    ("head", "head", "centre", 46, 4, 28, 28),
    ("neck", "neck", "centre", 52, 32, 16, 10),
    ("shoulder", "shoulder", "left", 26, 42, 22, 14),
    ("shoulder", "shoulder", "right", 72, 42, 22, 14),
    ("chest", "upper_back", "centre", 40, 44, 40, 22),
    ("chest", "mid_back", "centre", 40, 68, 40, 20),
    ("abdomen", "lower_back", "centre", 40, 90, 40, 22),
    ("upper_arm", "upper_arm", "left", 22, 58, 14, 34),
    ("upper_arm", "upper_arm", "right", 84, 58, 14, 34),
    ("forearm", "forearm", "left", 18, 94, 14, 40),
    ("forearm", "forearm", "right", 88, 94, 14, 40),
    ("hip", "glutes", "left", 40, 114, 19, 18),
    ("hip", "glutes", "right", 61, 114, 19, 18),
    ("thigh_front", "thigh_back", "left", 40, 134, 18, 44),
    ("thigh_front", "thigh_back", "right", 62, 134, 18, 44),
    ("knee", "knee", "left", 41, 180, 16, 12),
    ("knee", "knee", "right", 63, 180, 16, 12),
    ("shin", "calf", "left", 41, 194, 16, 44),
    ("shin", "calf", "right", 63, 194, 16, 44),
    ("foot", "foot", "left", 38, 240, 19, 10),
    ("foot", "foot", "right", 63, 240, 19, 10),
]


def shapes(aspect):
    """The figure's shapes for "front" or "back": dicts with region, side and geometry."""
    result = []
    for front, back, position, x, y, w, h in _FIGURE:
        if position == "centre":
            side = "centre"
        elif aspect == "front":
            side = "right" if position == "left" else "left"
        else:
            side = position
        result.append(
            {
                "region": front if aspect == "front" else back,
                "side": side,
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "r": min(w, h) // 2 if position == "centre" and front == "head" else 5,
            }
        )
    return result


def figures(chosen=()):
    """Both figures for a template, marking shapes whose (region, side, aspect) is chosen.

    A chosen area on "both" sides marks the left and right shapes of its region; a region
    drawn as one shape in the middle (chest, lower back ...) is marked whatever the side."""
    marked = set()
    for region, side, aspect in chosen:
        sides = ("left", "right") if side == "both" else (side,)
        marked.update((region, s, aspect) for s in (*sides, "centre"))
    return [
        {
            "aspect": aspect,
            "label": label,
            "shapes": [
                shape | {"chosen": (shape["region"], shape["side"], aspect) in marked}
                for shape in shapes(aspect)
            ],
        }
        for aspect, label in ASPECTS
    ]


FIGURE_WIDTH = 120  # the viewBox of one figure is 120 x 260
PRINTED_GAP = 10


def printed_map(chosen=()):
    """Front and back side by side as one SVG drawing of two paths, the chosen shapes and
    the rest, for PDFs: a report can hold fifty notes, and one drawing of two paths is
    drawn many times faster than two of twenty-one shapes each, and looks the same."""
    paths = {True: [], False: []}
    for offset, figure in enumerate(figures(chosen)):
        dx = offset * (FIGURE_WIDTH + PRINTED_GAP)
        for shape in figure["shapes"]:
            paths[shape["chosen"]].append(_path(shape | {"x": shape["x"] + dx}))
    return {
        "width": 2 * FIGURE_WIDTH + PRINTED_GAP,
        "chosen": " ".join(paths[True]),
        "other": " ".join(paths[False]),
    }


def _path(shape):
    """A rounded rectangle as path data (quadratic corners: cheaper to draw than arcs)."""
    x, y, w, h, r = shape["x"], shape["y"], shape["w"], shape["h"], shape["r"]
    return (
        f"M{x + r} {y}h{w - 2 * r}q{r} 0 {r} {r}v{h - 2 * r}q0 {r} {-r} {r}"
        f"h{2 * r - w}q{-r} 0 {-r} {-r}v{2 * r - h}q0 {-r} {r} {-r}z"
    )
