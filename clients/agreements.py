"""What a client signs: the consent to treatment and the practice's other agreements
(cancellations, photos, a guardian's consent for a minor), in the practice's own words.

The owner writes them as a draft (Agreement rows) beside the intake questions; publishing
copies them into the IntakeFormVersion with the questions, so a signature always points
at the words the client read. This module works on the published dicts.
"""

TREATMENT = "treatment"  # the consent to treatment: every form asks it
CANCELLATIONS = "cancellations"

# A new practice's first agreements; the owner rewrites them in their own words.
STANDARD = (
    {
        "key": TREATMENT,
        "title": "Consent to treatment",
        "body": (
            "I agree to receive massage. I will say at once if anything hurts or feels "
            "wrong, and I will tell the practice about any change in my health before a "
            "session."
        ),
        "required": True,
        "before_booking": False,
    },
    {
        "key": CANCELLATIONS,
        "title": "Cancellations and arriving late",
        "body": (
            "Please let us know as early as you can if you need to cancel or move a "
            "session. If you arrive late, the session may be shorter so the next client "
            "is not kept waiting."
        ),
        "required": True,
        "before_booking": True,
    },
)


def standard(practice):
    """A new practice's first agreements: the standard ones, with its cancellation and
    late-arrival policies as the words of the second where it has written them."""
    texts = [dict(text) for text in STANDARD]
    policies = [p.strip() for p in (practice.cancellation_policy, practice.late_arrival_policy)]
    if any(policies):
        texts[1]["body"] = "\n\n".join(policy for policy in policies if policy)
    return texts


def field_name(key):
    return f"agree_{key}"


def agreed(submission):
    """The published agreements of the submission's form with whether the client agreed
    to each: [(agreement dict, bool)]."""
    keys = set(submission.answers.get("agreements", []))
    signed = submission.form_version.agreements if submission.form_version_id else []
    return [(agreement, agreement["key"] in keys) for agreement in signed]


def consented_to_treatment(submission):
    return TREATMENT in submission.answers.get("agreements", [])


def before_booking(version):
    """The agreements a client reads before booking online."""
    return [agreement for agreement in version.agreements if agreement["before_booking"]]
