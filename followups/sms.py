"""How a text message is billed: its length in characters and in segments.

A text in the GSM 03.38 alphabet fits 160 characters in one segment (153 a segment once it
is split); a single character outside it ("â" in Siân, an emoji, curly quotes) sends the
whole text as UCS-2: 70 characters in one segment, 67 a segment after that.
"""

from dataclasses import dataclass

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters that take two places (an escape and the character).
GSM_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Length:
    characters: int
    segments: int
    unicode: bool  # True when one character forces the costlier encoding

    def __str__(self):
        texts = "1 text" if self.segments == 1 else f"{self.segments} texts"
        note = " (a character in it needs the costlier encoding)" if self.unicode else ""
        return f"{self.characters} characters, {texts}{note}"


def measure(text):
    """Return the billed length of `text`."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        units = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        return Length(len(text), 1 if units <= 160 else -(-units // 153), unicode=False)
    # UCS-2 counts UTF-16 code units: an emoji outside the basic plane takes two.
    units = len(text.encode("utf-16-le")) // 2
    return Length(len(text), 1 if units <= 70 else -(-units // 67), unicode=True)


def first_non_gsm(text):
    """The first character that forces the costlier encoding, or None."""
    return next((ch for ch in text if ch not in GSM_BASIC and ch not in GSM_EXTENDED), None)
