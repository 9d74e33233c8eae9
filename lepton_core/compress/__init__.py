"""Compression: int8 quantization, magnitude pruning, and their measured comparison.

`compress_run(run, method)` makes one variant and measures it against its float baseline;
`compare_variants(run)` measures original, float ONNX, int8 and pruned alike for the app's table.
"""

from lepton_core.compress.compare import (
    compare_variants,
    compress_run,
    compressed_folder,
    last_comparison,
)
from lepton_core.compress.report_text import compress_text
from lepton_core.compress.variants import COMPRESS_METHODS

__all__ = [
    "COMPRESS_METHODS",
    "compare_variants",
    "compress_run",
    "compress_text",
    "compressed_folder",
    "last_comparison",
]
