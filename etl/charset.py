"""Which encoding a file is in (UTF-8 with or without BOM, GB18030, Big5, …) and decoding it with
every problem noted (replacement characters, a GB18030 file that is really Big5)."""
from __future__ import annotations

import codecs
import gzip
from pathlib import Path
import numpy as np

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_MAX_DECODE_FALLBACKS = 1000

# --------------------------------------------------------------------------
# encoding
# --------------------------------------------------------------------------


def _decodes(sample: bytes, encoding: str, final: bool) -> bool:
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        dec.decode(sample, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(sample: bytes) -> bool:
    """True when invalid UTF-8 sequences are under 2% of the multi-byte
    characters that do decode: a UTF-8 file with some foreign lines. A GBK
    file read as UTF-8 is almost all invalid sequences."""
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - sample.count(b"\xef\xbf\xbd")
    good = sum(1 for c in text if c > "\x7f") - text.count("\ufffd")
    return good >= 20 and bad <= 0.02 * good


def detect_encoding_bytes(sample: bytes, truncated: bool = False) -> str:
    """Encoding of a byte sample: ``utf-8-sig``, ``utf-8``, ``gb18030`` or
    charset-normalizer's guess. *truncated* says the sample was cut from a
    longer file, so a multi-byte character split at its end is not an error.

    >>> detect_encoding_bytes("杭州".encode("gb18030"))
    'gb18030'
    >>> detect_encoding_bytes("杭州".encode("utf-8")[:-1], truncated=True)
    'utf-8'
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if _decodes(sample, "utf-8", final=not truncated):
        return "utf-8"
    if _mostly_utf8(sample):
        return "utf-8"  # a UTF-8 file with a few lines in another encoding
    if _decodes(sample, "gb18030", final=not truncated):
        return _gb18030_or_big5(sample, truncated)
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None or not best.encoding:
        return "utf-8"  # not text; the reader reports what it cannot decode
    return codecs.lookup(best.encoding).name


# Big5 byte pairs almost always decode as GB18030 too, into kana, Greek, Cyrillic, box drawing,
# private-use and rare (non-GB2312) characters. The signal: the share of non-ASCII characters
# outside each encoding's common repertoire (GB2312 symbols and hanzi for GB18030; Big5 symbols
# and its 5,401 frequent hanzi for Big5), plus CJK / general punctuation and full-width forms.
_SUSPECT_SHARE = 0.2
_MIN_NON_ASCII = 20
_COMMON: dict[str, np.ndarray] = {}


def _common_table(encoding: str) -> np.ndarray:
    """Boolean table over the BMP: characters common in text written in *encoding*."""
    if encoding in _COMMON:
        return _COMMON[encoding]
    lut = np.zeros(0x10000, dtype=bool)
    lut[0x2000:0x2070] = lut[0x3000:0x3040] = lut[0xFF00:0xFFF0] = True
    if encoding == "gb18030":
        pairs = [(lead, trail) for lead in [*range(0xA1, 0xA4), *range(0xB0, 0xF8)] for trail in range(0xA1, 0xFF)]
        codec = "gb2312"
    else:
        trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
        pairs = [(lead, trail) for lead in range(0xA1, 0xC7) for trail in trails if (lead, trail) < (0xC6, 0x7F)]
        codec = "big5"
    text = b"".join(bytes(p) for p in pairs).decode(codec, errors="ignore")
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    lut[cps[cps < 0x10000]] = True
    _COMMON[encoding] = lut
    return lut


def odd_share(text: str, encoding: str) -> tuple[float, int]:
    """(share of non-ASCII characters outside *encoding*'s common repertoire, count of non-ASCII characters).

    >>> round(odd_share("浙江省杭州市", "gb18030")[0], 2)
    0.0
    >>> odd_share("臺北市".encode("big5").decode("gb18030"), "gb18030")[0] > 0.5
    True
    """
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    cps = cps[cps >= 0x80]
    if len(cps) == 0:
        return 0.0, 0
    lut = _common_table(encoding)
    common = np.zeros(len(cps), dtype=bool)
    bmp = cps < 0x10000
    common[bmp] = lut[cps[bmp]]
    return float(1.0 - common.mean()), int(len(cps))


def _gb18030_or_big5(sample: bytes, truncated: bool) -> str:
    """``big5`` (or ``cp950``) when the sample reads as rare characters in GB18030 but as
    common ones in Big5; else ``gb18030``."""
    text = sample.decode("gb18030", errors="ignore")
    odd_gb, n = odd_share(text, "gb18030")
    if n < _MIN_NON_ASCII or odd_gb <= _SUSPECT_SHARE:
        return "gb18030"
    for enc in ("big5", "cp950"):
        if _decodes(sample, enc, final=not truncated):
            odd_big5, _ = odd_share(sample.decode(enc, errors="ignore"), "big5")
            if odd_big5 < odd_gb / 2:
                return enc
    return "gb18030"


def detect_encoding(path, sample_bytes: int = 1 << 20) -> str:
    """Encoding of a file from its first *sample_bytes* bytes.

    BOM first, then strict UTF-8, then strict GB18030 (a multi-byte character
    cut by the sample end is tolerated), then charset-normalizer.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "wb").write("名称\\n杭州\\n".encode("gb18030"))
    >>> detect_encoding(p)
    'gb18030'
    """
    path = Path(path)
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as fh:
        sample = fh.read(sample_bytes + 1)
    truncated = len(sample) > sample_bytes
    return detect_encoding_bytes(sample[:sample_bytes], truncated)


def _decode(raw: bytes, enc: str, problems: list) -> str:
    """Decode *raw*; lines that fail are tried in the other candidate
    encoding (mixed files), else decoded with U+FFFD; each is reported."""
    if enc == "utf-8-sig":
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        enc = "utf-8"
    try:
        return raw.decode(enc)
    except UnicodeDecodeError:
        pass
    alt = "gb18030" if codecs.lookup(enc).name == "utf-8" else "utf-8"
    parts: list[str] = []
    pos = 0
    line_at_pos = 1
    fails = 0
    while True:
        try:
            parts.append(raw[pos:].decode(enc))
            break
        except UnicodeDecodeError as exc:
            bad = pos + exc.start
        ls = max(pos, raw.rfind(b"\n", 0, bad) + 1)
        le = raw.find(b"\n", bad)
        le = len(raw) if le < 0 else le + 1
        parts.append(raw[pos:ls].decode(enc))
        line_no = line_at_pos + raw.count(b"\n", pos, ls)
        fails += 1
        if fails > _MAX_DECODE_FALLBACKS:
            parts.append(raw[ls:].decode(enc, errors="replace"))
            problems.append({"dropped": False, "row": line_no, "reason": f"more than {_MAX_DECODE_FALLBACKS} lines "
                             f"are not valid {enc}; the rest was decoded with U+FFFD replacements"})
            break
        line = raw[ls:le]
        try:
            parts.append(line.decode(alt))
            problems.append({"dropped": False, "row": line_no, "reason": f"line is not valid {enc}; decoded as {alt} "
                             "(file mixes encodings)"})
        except UnicodeDecodeError:
            parts.append(line.decode(enc, errors="replace"))
            problems.append({"dropped": False, "row": line_no, "reason": f"undecodable bytes in {enc}; replaced by U+FFFD"})
        line_at_pos = line_no + (1 if line.endswith(b"\n") else 0)
        pos = le
    return "".join(parts)
