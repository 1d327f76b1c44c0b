"""The tidy report as text, JSON (splitter-tidy/1) and markdown."""

from __future__ import annotations

from collections import Counter

from splitter.reports.escape import cell, code, json_report, text, visible_lines

TIDY_FORMAT = "splitter-tidy/1"


def tidy_summary(tree: str, result, dry_run: bool) -> dict:
    """{"format", "tree", "dry_run", "tidy": no proposal, "lines_saved", "by_kind": {kind: count},
    "proposals": [{"kind", "files", "lines_saved", "why"}], "refused": [the same, for proposals that would have
    changed a merged byte], "written": [files], "removed": [files]} (MIGRATION.md, "Keeping the tree tidy")."""
    def one(proposal) -> dict:
        return {"kind": proposal.kind, "files": proposal.files, "lines_saved": proposal.saved, "why": proposal.why}

    return {"format": TIDY_FORMAT, "tree": tree, "dry_run": dry_run, "tidy": not result.proposals,
            "lines_saved": result.saved, "by_kind": dict(sorted(Counter(p.kind for p in result.proposals).items())),
            "proposals": [one(p) for p in result.proposals], "refused": [one(p) for p in result.refused],
            "written": sorted(result.written), "removed": result.removed}


def tidy_json(tree: str, result, dry_run: bool) -> bytes:
    return json_report(tidy_summary(tree, result, dry_run))


def _files(files: list[str], show=str) -> str:
    return ", ".join(map(show, files[:3])) + (f" and {len(files) - 3} more" if len(files) > 3 else "")


def tidy_text(tree: str, result, dry_run: bool) -> bytes:
    summary = tidy_summary(tree, result, dry_run)
    lines = [line for p in summary["proposals"] for line in (
        f"{p['kind']}: {p['why']}", f"  files: {_files(p['files'])}; saves {p['lines_saved']} line(s)")]
    lines += [f"refused {p['kind']} (the merge would change): {p['why']}" for p in summary["refused"]]
    if summary["tidy"]:
        lines.append(f"{tree} is tidy: nothing to do")
    else:
        verb = "would write" if dry_run else "wrote"
        lines.append(f"{len(summary['proposals'])} proposal(s), {summary['lines_saved']} line(s) saved; {verb} "
                     f"{len(summary['written'])} file(s), {'would remove' if dry_run else 'removed'} "
                     f"{len(summary['removed'])}; the merge stays byte for byte the same")
    return visible_lines(lines).encode()


def tidy_markdown(tree: str, result, dry_run: bool) -> bytes:
    summary = tidy_summary(tree, result, dry_run)
    if summary["tidy"]:
        return f"{code(tree)} is tidy: nothing to do.".encode()
    lines = [f"### tidy {code(tree)}: {len(summary['proposals'])} proposal(s), {summary['lines_saved']} line(s) saved",
             "", "| kind | why | files | lines saved |", "|---|---|---|---|"]
    lines += [f"| {p['kind']} | {cell(text(p['why']))} | {cell(_files(p['files'], code))} | "
              f"{p['lines_saved']} |"
              for p in summary["proposals"]]
    lines += ["", "Each proposal is proven: the tree merges into the same bytes after it."]
    return "\n".join(lines).encode()
