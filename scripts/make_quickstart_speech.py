"""Generate the quickstart speech set: Harvard sentences (IEEE 1969, public domain) spoken by espeak-ng.

Run once; the output (16 kHz mono FLAC files plus ``metadata.jsonl`` in the
`datasets` audiofolder layout) is committed under
``tasks/quickstart/data/harvard_speech``. Needs Debian's ``espeak-ng``.

    python scripts/make_quickstart_speech.py
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

HARVARD = [
    "The birch canoe slid on the smooth planks.", "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.", "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.", "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.", "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.", "A large size in stockings is hard to sell.",
    "The boy was there when the sun rose.", "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.", "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.", "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.", "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.", "The girl at the booth sold fifty bonds.",
    "The small pup gnawed a hole in the sock.", "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.", "The swan dive was far short of perfect.",
    "The beauty of the view stunned the young boy.", "Two blue fish swam in the tank.",
    "Her purse was full of useless trash.", "The colt reared and threw the tall rider.",
    "It snowed, rained, and hailed the same morning.", "Read verse out loud for pleasure.",
]
# (espeak voice, gender label, words per minute): variety so WER is neither 0 nor 100%.
VOICES = [("en-us+m3", "male", 165), ("en-gb+f3", "female", 175), ("en-us+f2", "female", 150), ("en-gb+m1", "male", 185)]
RATE = 16000
OUT = Path(__file__).resolve().parents[1] / "tasks" / "quickstart" / "data" / "harvard_speech"


def speak(text: str, voice: str, wpm: int) -> np.ndarray:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text], check=True, capture_output=True).stdout
    audio, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return soxr.resample(audio, rate, RATE).astype(np.float32)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, text in enumerate(HARVARD):
        voice, gender, wpm = VOICES[i % len(VOICES)]
        name = f"harvard_{i // 10 + 1:02d}_{i % 10 + 1:02d}.flac"
        sf.write(OUT / name, speak(text, voice, wpm), RATE, format="FLAC", subtype="PCM_16")
        rows.append({"file_name": name, "id": name[:-5], "text": text, "gender": gender, "voice": voice, "harvard_list": i // 10 + 1})
    with open(OUT / "metadata.jsonl", "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    print(f"wrote {len(rows)} clips to {OUT}")


if __name__ == "__main__":
    main()
