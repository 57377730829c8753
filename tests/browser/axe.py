"""axe-core (web/node_modules, pinned in web/package.json) run on the page as it stands: no
serious or critical accessibility violation may remain on any screen an applicant meets."""
from __future__ import annotations

from chalicelib.cli.environment import ROOT

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
# Contrast is measured on what is painted: a dialog still fading in would fail it. Spinners turn forever.
SETTLED = """() => document.getAnimations().every(
  (a) => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity)"""


def axe(page, screen: str = "") -> None:
    """Fail with every serious or critical violation on `page`: its rule, impact, the elements
    (CSS targets) and axe's help text. `screen` names the screen in the failure."""
    page.wait_for_function(SETTLED)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {screen or page.url}:\n" + "\n".join(_describe(v) for v in blocking)


def _describe(violation: dict) -> str:
    targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    more = len(violation["nodes"]) - 5
    return (f"  {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    on {targets}{f' and {more} more' if more > 0 else ''}\n    {violation['helpUrl']}")
