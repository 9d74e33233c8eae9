"""The CLI's human summary of one compression (without --json)."""

from pathlib import Path


def _kb(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1000:.1f} kB"


def compress_text(report: dict) -> str:
    """A few human lines for the CLI: size, score and latency before and after."""
    r = report
    lines = [
        f"{r['label']} vs {r['baseline_label']} ({r['runtime']})",
        f"  size on disk  {_kb(r['size_bytes_before'])} -> {_kb(r['size_bytes_after'])} "
        f"({r['size_ratio']:.2f}x); zipped {_kb(r['zipped_bytes_before'])} -> "
        f"{_kb(r['zipped_bytes_after'])}",
    ]
    if r["accuracy_before"] is not None:
        lines.append(f"  test accuracy {r['accuracy_before']:.4f} -> {r['accuracy_after']:.4f}")
    else:
        lines.append(f"  test MAE      {r['test_mae_before']:.4g} -> {r['test_mae_after']:.4g}")
    lines += [
        f"  latency       {r['latency_ms_before']:.3f} -> {r['latency_ms_after']:.3f} ms "
        f"(batch 1), {r['latency_ms_batch64_before']:.2f} -> {r['latency_ms_batch64_after']:.2f}"
        f" ms (batch 64), {r['torch_threads']} threads",
        f"  non-zero      {r['nonzero_before']:,} -> {r['nonzero_after']:,} weights",
        f"  files         {', '.join(Path(f).name for f in r['files'])}",
        f"  note          {r['note']}",
    ]
    return "\n".join(lines)
