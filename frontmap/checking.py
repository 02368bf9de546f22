"""The validation report of ``frontmap check`` (analysis over what reading found)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .measure import Overlap, overlaps
from .model import FileReport, Layers, Note

__all__ = ["CheckReport", "check_layers", "render_check"]


@dataclass
class CheckReport:
    files: list[FileReport]
    overlaps: list[Overlap]
    dataset_errors: list[Note] = field(default_factory=list)
    dataset_warnings: list[Note] = field(default_factory=list)

    @property
    def errors(self) -> list[Note]:
        return [e for f in self.files for e in f.errors] + self.dataset_errors

    @property
    def warnings(self) -> list[Note]:
        return [w for f in self.files for w in f.warnings] + self.dataset_warnings

    @property
    def repairs(self) -> list[Note]:
        return [r for f in self.files for r in f.repairs]

    def totals(self) -> dict:
        skipped = Counter()
        for f in self.files:
            skipped.update(f.skipped)
        return {
            "files": len(self.files),
            "features": sum(f.features for f in self.files),
            "used": sum(f.used for f in self.files),
            "skipped": dict(sorted(skipped.items())),
            "unmatched": skipped.get("unmatched", 0),
            "repaired": len(self.repairs),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def as_dict(self) -> dict:
        return {
            "ok": not self.errors,
            "totals": self.totals(),
            "files": [f.as_dict() for f in self.files],
            "overlaps": [
                {"date": o.date.isoformat(), "factions": [o.a, o.b], "area_km2": o.area_km2}
                for o in self.overlaps
            ],
            "errors": [n.as_dict() for n in self.dataset_errors],
            "warnings": [n.as_dict() for n in self.dataset_warnings],
        }


def check_layers(layers: Layers) -> CheckReport:
    """Collect the per-file reports and measure overlaps between factions."""
    found = []
    for snap in layers.snapshots.values():
        found.extend(overlaps(snap))
    return CheckReport(
        files=list(layers.report.files),
        overlaps=found,
        dataset_errors=list(layers.report.errors),
        dataset_warnings=list(layers.report.warnings),
    )


def render_check(report: CheckReport) -> str:
    lines = []
    for f in report.files:
        head = f"{f.file}: {f.features} feature(s), {f.used} used"
        if f.skipped:
            head += ", skipped " + ", ".join(f"{n} {k}" for k, n in sorted(f.skipped.items()))
        if f.repairs:
            head += f", {len(f.repairs)} repaired"
        if f.errors:
            head += f", {len(f.errors)} ERROR(S)"
        lines.append(head)
        for n in f.repairs:
            lines.append(f"  repaired {_where(n)}{n.message}")
        for n in f.warnings:
            lines.append(f"  warning {_where(n)}{n.message}")
        for n in f.errors:
            lines.append(f"  error {_where(n)}{n.message}")
    if report.overlaps:
        lines.append("")
        lines.append("Overlaps between factions (contested ground):")
        for o in report.overlaps:
            lines.append(f"  {o.date.isoformat()}  {o.a} / {o.b}: {o.area_km2:,.2f} km²")
    if report.dataset_warnings or report.dataset_errors:
        lines.append("")
    for n in report.dataset_warnings:
        lines.append(f"warning: {n}")
    for n in report.dataset_errors:
        lines.append(f"error: {n}")
    t = report.totals()
    lines.append("")
    skipped = sum(t["skipped"].values())
    lines.append(
        f"{t['files']} file(s), {t['features']} feature(s): {t['used']} used, {skipped} skipped"
        + (f" ({t['unmatched']} unmatched by any faction rule)" if t["unmatched"] else "")
        + f", {t['repaired']} repair(s), {t['warnings']} warning(s), {t['errors']} error(s)"
    )
    lines.append("OK" if not report.errors else "FAILED: the layers have errors")
    return "\n".join(lines) + "\n"


def _where(n: Note) -> str:
    return "" if n.feature is None else f"feature {n.feature}: "
