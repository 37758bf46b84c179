from sessions import body


def test_the_printed_map_draws_the_chosen_areas_in_their_own_path():
    printed = body.printed_map([("lower_back", "centre", "back"), ("shoulder", "left", "front")])

    chosen = printed["chosen"].split("M")[1:]
    other = printed["other"].split("M")[1:]
    shapes_per_figure = len(body.shapes("front"))
    assert len(chosen) == 2
    assert len(chosen) + len(other) == 2 * shapes_per_figure
    # The client's left shoulder is on the right of the front figure (x 72, y 42).
    assert "77 42h" in printed["chosen"]  # starts after the 5-unit rounded corner
    # The lower back is on the back figure, drawn to the right of the front one.
    offset = body.FIGURE_WIDTH + body.PRINTED_GAP
    assert f"{40 + 5 + offset} 90h" in printed["chosen"]


def test_a_note_without_areas_prints_an_empty_map():
    printed = body.printed_map([])
    assert printed["chosen"] == ""
    assert len(printed["other"].split("M")[1:]) == 2 * len(body.shapes("front"))


def test_a_side_of_a_region_drawn_in_the_middle_marks_its_shapes():
    [front, back] = body.figures([("chest", "right", "front"), ("calf", "left", "back")])

    assert [s["region"] for s in front["shapes"] if s["chosen"]] == ["chest", "chest"]  # two rows
    assert [(s["region"], s["side"]) for s in back["shapes"] if s["chosen"]] == [("calf", "left")]
