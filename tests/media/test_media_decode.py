"""Bad media are a MediaError (that sample's error), never a crash and never a scored answer."""

from __future__ import annotations

import io
import struct
import warnings
import zlib

import numpy as np
import pytest

from evals.data.media import MediaDecoder, MediaError, decode_audio, decode_image, image_part, media_part
from evals.requests import DEFAULT_MAX_IMAGE_PIXELS


def _wav(samples: np.ndarray, rate: int = 16000, subtype: str = "FLOAT") -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, samples, rate, format="WAV", subtype=subtype)
    return buf.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims ``width`` x ``height`` pixels, with a few bytes of data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _encoded(size: tuple[int, int], fmt: str = "PNG") -> bytes:
    from PIL import Image

    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_samples_are_media_errors(bad):
    samples = np.full(1600, 0.1, dtype=np.float32)
    samples[800] = bad
    with pytest.raises(MediaError, match="NaN or infinite"):
        decode_audio(_wav(samples))
    stereo = np.stack([np.full(1600, 0.1, dtype=np.float32), samples], axis=1)  # one bad channel is enough
    with pytest.raises(MediaError, match="NaN or infinite"):
        decode_audio(_wav(stereo), None)


@pytest.mark.parametrize(("frames", "message"), [(0, "audio has 0 frames"), (1, "audio has 1 frame;")])
def test_empty_and_single_sample_audio_are_media_errors(frames, message):
    with pytest.raises(MediaError, match=message):
        decode_audio(_wav(np.zeros(frames, dtype=np.float32), subtype="PCM_16"))
    array, rate = decode_audio(_wav(np.zeros(2, dtype=np.float32), subtype="PCM_16"), None)
    assert len(array) == 2 and rate == 16000  # two frames are audio


def test_a_header_claiming_20000x20000_pixels_is_a_media_error():
    from PIL import Image

    bomb = _png_claiming(20000, 20000)
    assert len(bomb) < 120
    with pytest.raises(MediaError, match="400000000 pixels"):  # Pillow's own DecompressionBombError
        decode_image(bomb)
    # With Pillow's check switched off process-wide, the decoder's own limit still holds.
    original = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with pytest.raises(MediaError, match=f"20000x20000 pixels is over the limit of {DEFAULT_MAX_IMAGE_PIXELS}"):
            decode_image(bomb)
    finally:
        Image.MAX_IMAGE_PIXELS = original


def test_a_real_image_over_the_default_limit_is_a_media_error():
    """A valid 1-bit PNG of 10001x10001 pixels (12 MB of zero rows, a few KB compressed): Pillow only warns."""
    from PIL import Image

    width = height = 10001
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height, 9)) + chunk(b"IEND", b"")
    with pytest.warns(Image.DecompressionBombWarning):
        assert Image.open(io.BytesIO(png)).size == (width, height)  # a real, readable image
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(MediaError, match=f"10001x10001 pixels is over the limit of {DEFAULT_MAX_IMAGE_PIXELS}"):
        decode_image(png)


def test_a_real_image_over_the_configured_limit_is_a_media_error_and_under_it_decodes():
    data = _encoded((300, 200))
    with pytest.raises(MediaError, match="300x200 pixels is over the limit of 50000 pixels"):
        decode_image(data, max_pixels=50_000)
    assert decode_image(data, max_pixels=60_000).size == (300, 200)
    assert decode_image(data, max_pixels=None).size == (300, 200)


def test_pillows_bomb_warning_is_handled_both_ways(monkeypatch):
    """Past Pillow's MAX_IMAGE_PIXELS it warns: decoded when under our limit, a media error when warnings are errors."""
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    data = _encoded((120, 120))  # 14,400 pixels: over Pillow's warning line, under its error line (20,000)
    with pytest.warns(Image.DecompressionBombWarning):
        assert decode_image(data).size == (120, 120)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(MediaError, match="could be decompression bomb"):
            decode_image(data)


def test_jpeg_is_drafted_down_to_the_models_input_before_the_pixel_limit_applies():
    data = _encoded((2000, 1600), "JPEG")  # 3.2 megapixels
    with pytest.raises(MediaError, match="2000x1600 pixels is over the limit"):
        decode_image(data, max_pixels=1_000_000)
    image = decode_image(data, max_side=256, max_pixels=1_000_000)  # decoded at 1/4 scale (500x400), then shrunk
    assert max(image.size) == 256 and image.mode == "RGB"


def test_a_video_that_is_only_a_header_is_a_clear_media_error():
    part = media_part("video", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16)
    assert part.mime == "video/mp4" and part.kind == "video"
    with pytest.raises(MediaError, match="cannot open video"):
        MediaDecoder(16000).decode(part)


def test_each_distinct_image_is_decoded_once_even_after_its_file_is_gone(tmp_path):
    """The decoder's memo answers by content hash: the second request for an image never reads or decodes it."""
    (tmp_path / "a.png").write_bytes(_encoded((40, 30)))
    part = image_part("a.png", tmp_path)
    decoder = MediaDecoder(16000, max_pixels=10_000)
    first = decoder.decode(part)
    (tmp_path / "a.png").unlink()
    assert decoder.decode(part) is first
    with pytest.raises(MediaError, match="cannot read media file"):
        MediaDecoder(16000).decode(part)


def test_a_decoders_pixel_limit_applies():
    part = media_part("image", _encoded((40, 30)))
    with pytest.raises(MediaError, match="over the limit of 1000 pixels"):
        MediaDecoder(16000, max_pixels=1000).decode(part)
