"""Helpers the browser tests share: axe-core findings, console errors, colour contrast."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

# served from our own static files for the tests only: the CSP allows no inline script
AXE = "vendor/axe-core/axe.min.js"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}

# WCAG relative luminance and contrast of two computed CSS colours, in the page.
CONTRAST_JS = """([a, b]) => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}"""


def collect_console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    assert (Path(settings.BASE_DIR) / "static" / AXE).exists(), "run scripts/fetch_static.py"
    page.add_script_tag(url="/" + settings.STATIC_URL.lstrip("/") + AXE)
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def contrast(page, first: str, second: str) -> float:
    """The WCAG contrast ratio of two computed colours ("rgb(…)")."""
    return page.evaluate(CONTRAST_JS, [first, second])
