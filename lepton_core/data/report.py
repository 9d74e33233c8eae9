"""DataReport: what was read, what was skipped and why, and the final shape."""

from dataclasses import asdict, dataclass, field


@dataclass
class DataReport:
    """A plain record of one ingest, shown on the Data page and stored with runs."""

    source: str
    task: str = "image-classification"
    counts: dict[str, int] = field(default_factory=dict)  # class -> images kept
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    shape: tuple[int, ...] = ()  # final tensor shape (N, C, H, W)
    notes: list[str] = field(default_factory=list)

    def skip(self, name: str, reason: str) -> None:
        """Record one file that was not used."""
        self.skipped.append((name, reason))

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        d = asdict(self)
        d["skipped"] = [list(s) for s in self.skipped]
        d["shape"] = list(self.shape)
        return d
