#!/usr/bin/env python3
"""Regenerates assets/web/fonts/noto-sans-sc-subset.woff2: Noto Sans SC Regular (SIL OFL 1.1,
see OFL.txt beside this script) cut down to the characters puzi can show — every non-ASCII
character in src/ (the text tables, the seed data, the sandbox pages, the region names) and
assets/ scripts,
printable ASCII and common CJK punctuation — so pages read on machines without a CJK font
(the e2e Chromium, a booth laptop) without fetching anything.

Needs: python3 with `pip install fonttools brotli`, and npm (for the source font).
Run from the repository root after changing any user-facing text:

    python3 assets/fonts/subset.py            # fetches the font with `npm pack`
    python3 assets/fonts/subset.py FONT.ttf   # or uses a NotoSansSC_400Regular.ttf you have
"""

import pathlib
import subprocess
import sys
import tarfile
import tempfile

from fontTools import subset

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "assets/web/fonts/noto-sans-sc-subset.woff2"
# The characters the subset was cut for, one line (the font has all but a few symbols and
# emoji, which fall back to the system's fonts): a test checks every character in src/ is
# among them, so new text cannot go out as boxes on a machine without a CJK font.
CHARS = ROOT / "assets/fonts/subset-chars.txt"
PACKAGE = "@expo-google-fonts/noto-sans-sc@0.4.3"
MEMBER = "package/400Regular/NotoSansSC_400Regular.ttf"
EXTRA = "，。、：；！？「」『』（）《》【】…—·¥￥“”‘’" + "".join(chr(c) for c in range(0x20, 0x7F))


def characters() -> str:
    chars = set(EXTRA)
    # The region names too: the checkout's selects and every address show them.
    sources = [p for p in (ROOT / "src").rglob("*") if p.suffix in (".rs", ".toml", ".txt")]
    sources += [p for p in (ROOT / "assets").rglob("*") if p.suffix in (".js", ".css")]
    sources += list((ROOT / "e2e").glob("*.mjs"))  # what the browser suite types
    for path in sources:
        chars.update(c for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F)
    return "".join(sorted(chars))


def source_font(tmp: pathlib.Path) -> pathlib.Path:
    if len(sys.argv) > 1:
        return pathlib.Path(sys.argv[1])
    subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", str(tmp)], check=True)
    tgz = next(tmp.glob("*.tgz"))
    with tarfile.open(tgz) as t:
        t.extract(MEMBER, tmp, filter="data")
    return tmp / MEMBER


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        font = source_font(pathlib.Path(d))
        text = characters()
        opts = subset.Options()
        opts.flavor = "woff2"
        opts.name_IDs = ["*"]  # keep the copyright and licence records
        opts.name_languages = ["*"]
        opts.layout_features = ["*"]
        opts.hinting = False
        f = subset.load_font(str(font), opts)
        s = subset.Subsetter(opts)
        s.populate(text=text)
        s.subset(f)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        subset.save_font(f, str(OUT), opts)
        CHARS.write_text(text + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(text)} characters, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
