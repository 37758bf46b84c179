"""Body regions for session notes, shared by the note form and the body map."""

REGIONS = [
    ("head", "Head and face"),
    ("neck", "Neck"),
    ("shoulder", "Shoulder"),
    ("upper_back", "Upper back"),
    ("mid_back", "Mid back"),
    ("lower_back", "Lower back"),
    ("chest", "Chest"),
    ("abdomen", "Abdomen"),
    ("upper_arm", "Upper arm"),
    ("forearm", "Forearm and hand"),
    ("hip", "Hip"),
    ("glutes", "Glutes"),
    ("thigh_front", "Quadriceps"),
    ("thigh_back", "Hamstrings"),
    ("knee", "Knee"),
    ("calf", "Calf"),
    ("shin", "Shin"),
    ("foot", "Foot"),
]
REGION_LABELS = dict(REGIONS)

SIDES = [("left", "Left"), ("right", "Right"), ("both", "Both"), ("centre", "Centre")]
ASPECTS = [("front", "Front"), ("back", "Back")]
TENSION = [
    ("", "Not noted"),
    ("mild", "Mild"),
    ("moderate", "Moderate"),
    ("marked", "Marked"),
]
