"""Image-folder and zip ingest: decoding, safe extraction, class folders (fixtures in tmp_path)."""

import io
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lepton_core.data.archive import IngestLimits, extract_zip
from lepton_core.data.folder import load_image_source, read_image_folder
from lepton_core.data.images import decode_image, is_gray, to_array
from lepton_core.data.report import DataReport
from lepton_core.errors import LabInputError
from tests.data.make_sample_zip import make_sample_zip

RED, BLUE = (255, 0, 0), (0, 0, 255)


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    """Image → file bytes."""
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def solid(colour, size=(12, 12), mode="RGB") -> bytes:
    """PNG bytes of a one-colour image."""
    return encode(Image.new(mode, size, colour))


def png_declaring(w: int, h: int) -> bytes:
    """A tiny PNG whose header claims w×h pixels (the pixel data is missing)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit gray
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    """The first half of a noisy JPEG."""
    noise = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise), "JPEG")
    return data[: len(data) // 2]


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    """Write {relative path: bytes} under root."""
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def write_zip(path: Path, entries: dict[str | zipfile.ZipInfo, bytes]) -> Path:
    """Write a zip of {name or ZipInfo: bytes}."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


# ---- decode_image / to_array / is_gray


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "GIF", "WEBP"])
def test_every_format_decodes_to_the_right_colour(fmt):
    img = decode_image(encode(Image.new("RGB", (30, 20), (200, 30, 40)), fmt))
    assert img.size == (30, 20)
    a = to_array(img, 16, gray=False)
    assert a.shape == (16, 16, 3) and a.dtype == np.uint8
    assert np.abs(a.reshape(-1, 3).mean(0) - (200, 30, 40)).max() < 8  # lossy formats drift


@pytest.mark.parametrize(
    "mode, colour, fmt, gray, expected",
    [
        ("L", 100, "PNG", True, [100]),
        ("RGB", (10, 200, 30), "PNG", False, [10, 200, 30]),
        ("RGB", (90, 90, 90), "PNG", True, [90]),  # colour file, gray content
        ("RGBA", (0, 0, 255, 0), "PNG", True, [255]),  # transparent → white
        ("RGBA", (0, 0, 255, 128), "PNG", False, [127, 127, 255]),  # half over white
        ("LA", (0, 0), "PNG", True, [255]),
        ("P", 0, "PNG", False, [255, 0, 0]),  # palette entry 0 is red, set below
        ("I;16", 13107, "PNG", True, [51]),  # 13107 / 65535 * 255 = 51
        ("1", 1, "PNG", True, [255]),
        ("CMYK", (255, 0, 0, 0), "JPEG", False, [0, 255, 255]),  # cyan
    ],
)
def test_modes_convert_to_8bit(mode, colour, fmt, gray, expected):
    src = Image.new(mode, (10, 6), colour)
    if mode == "P":
        src.putpalette([255, 0, 0, 0, 255, 0])
    img = decode_image(encode(src, fmt))
    assert img.mode == mode  # the file really kept the mode under test
    assert is_gray(img) is gray
    a = to_array(img, 8, gray)
    assert a.shape == (8, 8, len(expected))
    assert np.abs(a.astype(int) - expected).max() <= 1


def test_exif_orientation_is_applied():
    src = Image.new("RGB", (40, 20), RED)
    src.paste(BLUE, (20, 0, 40, 20))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    img = decode_image(encode(src, "JPEG", exif=exif, quality=95))
    assert img.size == (20, 40)
    a = np.asarray(img).astype(int)
    assert np.abs(a[2, 10] - RED).max() < 30  # the left edge is now the top
    assert np.abs(a[37, 10] - BLUE).max() < 30


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (8, 8), c) for c in (RED, BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    assert tuple(decode_image(data).convert("RGB").getpixel((4, 4))) == RED


@pytest.mark.parametrize(
    "data, reason",
    [
        (np.random.default_rng(1).bytes(500), "not an image file"),
        (truncated_jpeg(), "truncated or corrupt"),
        (png_declaring(100_000, 100_000), "too large"),  # Pillow's own bomb check
        (png_declaring(0, 10), "not an image file|empty image"),
        (encode(Image.new("RGB", (8, 8)), "TIFF"), "not an image file"),  # decoder not allowed
    ],
)
def test_bad_files_raise_a_readable_error(data, reason):
    with pytest.raises(LabInputError, match=reason):
        decode_image(data)


def test_pixel_limit_is_checked_before_decoding(tmp_path):
    path = write_tree(tmp_path, {"big.png": solid(RED, (200, 100))}) / "big.png"
    with pytest.raises(LabInputError, match=r"too large \(200×100 pixels, limit 10,000\)"):
        decode_image(path, max_pixels=10_000)
    assert decode_image(path, max_pixels=20_000).size == (200, 100)


def test_pillow_bomb_warning_becomes_an_error(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)  # 100×100 is 2× → warning, not error
    with pytest.raises(LabInputError, match="too large"):
        decode_image(solid(RED, (100, 100)), max_pixels=10**9)


# ---- extract_zip


def test_zip_wrapper_folder_becomes_the_data_root(tmp_path):
    zpath = write_zip(tmp_path / "u.zip", {"pets/cat/1.png": b"a", "pets/dog/2.png": b"b"})
    root = extract_zip(zpath, tmp_path / "out", IngestLimits(), DataReport("u.zip"))
    assert root == tmp_path / "out" / "pets"
    assert (root / "dog" / "2.png").read_bytes() == b"b"


def test_zip_without_wrapper_returns_dest(tmp_path):
    zpath = write_zip(tmp_path / "u.zip", {"cat/1.png": b"a", "dog/2.png": b"b"})
    assert extract_zip(zpath, tmp_path / "out", IngestLimits(), DataReport("u")) == tmp_path / "out"


def test_macos_and_windows_clutter_is_ignored(tmp_path):
    entries = {
        "pets/cat/1.png": b"a",
        "pets/dog/2.png": b"b",
        "__MACOSX/pets/cat/._1.png": b"x",
        "pets/.DS_Store": b"x",
        "pets/dog/Thumbs.db": b"x",
        "pets/.git/config": b"x",
    }
    report = DataReport("u.zip")
    extract_zip(write_zip(tmp_path / "u.zip", entries), tmp_path / "out", IngestLimits(), report)
    written = sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
    )
    assert written == ["pets", "pets/cat", "pets/cat/1.png", "pets/dog", "pets/dog/2.png"]
    assert report.notes == ["ignored 4 hidden/system files"] and report.skipped == []


def test_zip_slip_and_absolute_paths_are_refused(tmp_path):
    dest = tmp_path / "a" / "b" / "dest"
    entries = {"../../evil.png": b"x", "/abs.png": b"x", "c/../../up.png": b"x", "C:/win.png": b"x"}
    entries |= {"cat/1.png": b"ok", "dog/1.png": b"ok"}
    report = DataReport("u.zip")
    extract_zip(write_zip(tmp_path / "u.zip", entries), dest, IngestLimits(), report)
    refused = {name for name, reason in report.skipped if reason.startswith("unsafe path")}
    assert refused == {"../../evil.png", "/abs.png", "c/../../up.png", "C:/win.png"}
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and dest not in p.parents]
    assert outside == [tmp_path / "u.zip"]
    assert sorted(p.name for p in dest.rglob("*.png")) == ["1.png", "1.png"]


def test_symlink_entry_is_refused(tmp_path):
    link = zipfile.ZipInfo("cat/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    zpath = write_zip(tmp_path / "u.zip", {link: b"/etc/passwd", "cat/1.png": b"a"})
    report = DataReport("u.zip")
    extract_zip(zpath, tmp_path / "out", IngestLimits(), report)
    assert report.skipped == [("cat/link.png", "unsafe path (symbolic link)")]
    assert not (tmp_path / "out" / "cat" / "link.png").exists()


def test_names_are_sanitised_and_nested_zips_skipped(tmp_path):
    entries = {"cat\\a?b.png": b"a", "cat/inner.zip": b"PK", "cat/x\x01.png": b"c"}
    report = DataReport("u.zip")
    extract_zip(write_zip(tmp_path / "u.zip", entries), tmp_path / "out", IngestLimits(), report)
    assert sorted(p.name for p in (tmp_path / "out" / "cat").iterdir()) == ["a_b.png", "x_.png"]
    assert report.skipped == [("cat/inner.zip", "zip inside the zip (not unpacked)")]


def test_entry_count_cap(tmp_path):
    zpath = write_zip(tmp_path / "u.zip", {f"c/{i}.png": b"x" for i in range(11)})
    with pytest.raises(LabInputError, match="11 entries; the limit is 10"):
        extract_zip(zpath, tmp_path / "out", IngestLimits(max_entries=10), DataReport("u"))


def test_total_size_cap(tmp_path):
    zpath = write_zip(tmp_path / "u.zip", {f"c/{i}.png": bytes(600_000) for i in range(3)})
    with pytest.raises(LabInputError, match="limit is 1 MB"):
        extract_zip(
            zpath, tmp_path / "out", IngestLimits(max_total_bytes=1_000_000), DataReport("")
        )
    assert not (tmp_path / "out").exists()  # refused before writing anything


def test_oversized_entry_is_skipped(tmp_path):
    zpath = write_zip(tmp_path / "u.zip", {"c/big.png": bytes(3_000_000), "c/ok.png": b"a"})
    report = DataReport("u.zip")
    extract_zip(zpath, tmp_path / "out", IngestLimits(max_entry_bytes=2_000_000), report)
    assert report.skipped == [("c/big.png", "file larger than 2 MB")]
    assert [p.name for p in (tmp_path / "out" / "c").iterdir()] == ["ok.png"]


def test_lying_size_header_does_not_get_through(tmp_path):
    zpath = tmp_path / "u.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("c/liar.png", bytes(5000))
    raw = bytearray(zpath.read_bytes())
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 24 : central + 28] = struct.pack("<I", 100)  # claim 100 bytes unpacked
    zpath.write_bytes(raw)
    report = DataReport("u.zip")
    extract_zip(zpath, tmp_path / "out", IngestLimits(max_entry_bytes=1000), report)
    assert report.skipped == [("c/liar.png", "damaged zip entry (could not unpack)")]
    assert not (tmp_path / "out" / "c" / "liar.png").exists()


def test_not_a_zip(tmp_path):
    path = write_tree(tmp_path, {"fake.zip": b"hello, not a zip"}) / "fake.zip"
    with pytest.raises(LabInputError, match="fake.zip is not a zip archive"):
        load_image_source(path, work_dir=tmp_path / "work")


# ---- read_image_folder / load_image_source


def test_folder_reads_classes_labels_and_skips_bad_files(tmp_path):
    files = {f"red/{i}.png": solid(RED) for i in range(3)}
    files |= {f"blue/{i}.jpg": encode(Image.new("RGB", (12, 12), BLUE), "JPEG") for i in range(2)}
    files |= {"blue/deeper/more.png": solid(BLUE)}  # nested files belong to their class
    files |= {
        "red/broken.png": np.random.default_rng(2).bytes(300),
        "red/cut.jpg": truncated_jpeg(),
    }
    files |= {"red/bomb.png": solid(RED, (300, 300)), "loose.png": solid(RED)}
    files |= {"blue/.DS_Store": b"x", ".hidden/x.png": solid(RED)}
    root = write_tree(tmp_path / "ds", files)
    x, y, classes, report = read_image_folder(root, limits=IngestLimits(max_pixels=50_000))
    assert classes == ["blue", "red"]
    assert x.shape == (6, 3, 12, 12) and x.dtype == np.uint8 and y.dtype == np.int64
    assert report.counts == {"blue": 3, "red": 3} and report.shape == (6, 3, 12, 12)
    assert np.all(x[y == 1, 0] > 240) and np.all(x[y == 1, 2] < 15)  # label 1 = red, really red
    assert np.all(x[y == 0, 2] > 240) and np.all(x[y == 0, 0] < 15)
    reasons = dict(report.skipped)
    assert reasons["loose.png"] == "not inside a class folder"
    assert "not an image file" in reasons["red/broken.png"]
    assert "truncated or corrupt" in reasons["red/cut.jpg"]
    assert "too large (300×300 pixels" in reasons["red/bomb.png"]
    assert len(report.skipped) == 4


def test_one_class_is_an_error_naming_it(tmp_path):
    root = write_tree(tmp_path, {"cat/1.png": solid(RED), "cat/2.png": solid(RED)})
    with pytest.raises(LabInputError, match="need at least 2 class folders, found 1: cat"):
        read_image_folder(root)


def test_class_with_one_image_is_an_error_naming_it(tmp_path):
    files = {"cat/1.png": solid(RED), "cat/2.png": solid(RED), "dog/1.png": solid(BLUE)}
    files |= {"dog/2.png": b"corrupt"}
    with pytest.raises(LabInputError, match="class 'dog' has 1 usable image"):
        read_image_folder(write_tree(tmp_path, files))


def test_no_readable_images_is_an_error(tmp_path):
    root = write_tree(tmp_path, {"a/1.png": b"x", "b/1.png": b"y"})
    with pytest.raises(LabInputError, match="no readable images"):
        read_image_folder(root)


def test_gray_stays_gray_and_mixed_becomes_rgb(tmp_path):
    gray = {f"{c}/{i}.png": solid(60 * i, mode="L") for c in "ab" for i in range(2)}
    x, *_ = read_image_folder(write_tree(tmp_path / "g", gray))
    assert x.shape[1] == 1
    x, _, _, report = read_image_folder(write_tree(tmp_path / "m", gray | {"b/c.png": solid(RED)}))
    assert x.shape[1] == 3
    assert np.all(x[0, 0] == x[0, 1])  # the gray images are gray RGB
    assert any("converted to RGB" in n for n in report.notes)


@pytest.mark.parametrize("sides, expected", [((10, 20, 30), 20), ((100, 200, 90), 64), ((4, 5), 8)])
def test_default_size_is_the_median_capped(tmp_path, sides, expected):
    files = {f"{c}/{i}.png": solid(RED, (s, s // 2)) for c in "ab" for i, s in enumerate(sides)}
    x, *_ = read_image_folder(write_tree(tmp_path, files))
    assert x.shape[2:] == (expected, expected)


def test_explicit_size_out_of_range_is_refused(tmp_path):
    root = write_tree(tmp_path, {f"{c}/{i}.png": solid(RED) for c in "ab" for i in range(2)})
    assert read_image_folder(root, image_size=24)[0].shape == (4, 3, 24, 24)
    with pytest.raises(LabInputError, match="8 to 64 pixels, got 128"):
        read_image_folder(root, image_size=128)


def test_sample_upload_zip_end_to_end_and_reuse(tmp_path):
    zpath = make_sample_zip(tmp_path / "sample_upload.zip")
    assert zpath.stat().st_size < 200_000
    x, y, classes, report = load_image_source(zpath, work_dir=tmp_path / "work")
    assert classes == ["blue", "green", "red"] and x.shape == (45, 3, 32, 32)
    assert np.bincount(y).tolist() == [15, 15, 15]
    assert [name for name, _ in report.skipped] == ["red/corrupt.png"]
    assert "ignored 1 hidden/system files" in report.notes
    (extracted,) = (tmp_path / "work").iterdir()
    assert (extracted / ".complete").exists()
    (extracted / "sample" / "red" / "red_00.png").unlink()  # proves the second call reuses it
    x2, _, _, report2 = load_image_source(zpath, work_dir=tmp_path / "work")
    assert len(x2) == 44 and report2.notes[0] == "ignored 1 hidden/system files"


def test_other_files_are_refused(tmp_path):
    path = write_tree(tmp_path, {"data.csv": b"a,b\n1,2\n"}) / "data.csv"
    with pytest.raises(LabInputError, match="data.csv is not a folder or a .zip of class folders"):
        load_image_source(path, work_dir=tmp_path / "work")
