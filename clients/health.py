"""The health-history checklist, and which answers are red flags.

This is the one place that says which conditions need care (a caution) or may rule
massage out until cleared (a contraindication). The intake form, the red-flag banner and
the client list filter all read it.
"""

from dataclasses import dataclass

CAUTION = "caution"
CONTRAINDICATION = "contraindication"


@dataclass(frozen=True)
class Condition:
    key: str
    label: str
    level: str  # CAUTION or CONTRAINDICATION


CONDITIONS = [
    Condition("pregnancy", "Pregnant", CAUTION),
    Condition("blood_clots", "Blood clots (DVT) now or in the past", CONTRAINDICATION),
    Condition("blood_thinners", "Taking blood thinners", CAUTION),
    Condition("recent_surgery", "Surgery in the last 6 months", CAUTION),
    Condition("recent_injury", "Recent injury, sprain or fracture", CAUTION),
    Condition("cancer", "Cancer, or cancer treatment now or recently", CAUTION),
    Condition("osteoporosis", "Osteoporosis", CAUTION),
    Condition("diabetes", "Diabetes", CAUTION),
    Condition("neuropathy", "Numbness or loss of feeling (neuropathy)", CAUTION),
    Condition("high_blood_pressure", "High blood pressure", CAUTION),
    Condition("low_blood_pressure", "Low blood pressure or fainting", CAUTION),
    Condition("heart_condition", "Heart condition", CAUTION),
    Condition("skin_condition", "Skin condition, rash, open wound or bruising", CAUTION),
    Condition(
        "contagious_illness", "Fever, flu or another contagious illness now", CONTRAINDICATION
    ),
    Condition("epilepsy", "Epilepsy or seizures", CAUTION),
]

BY_KEY = {condition.key: condition for condition in CONDITIONS}


def red_flags(condition_keys):
    """The flagged conditions among the given keys, contraindications first."""
    flagged = [BY_KEY[key] for key in condition_keys if key in BY_KEY]
    return sorted(flagged, key=lambda c: (c.level != CONTRAINDICATION, CONDITIONS.index(c)))


PRESSURE_CHOICES = [
    ("1", "1 · light"),
    ("2", "2 · medium-light"),
    ("3", "3 · medium"),
    ("4", "4 · firm"),
    ("5", "5 · very deep"),
]

# The body's regions, as session notes chart them and an intake question offers them.
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
