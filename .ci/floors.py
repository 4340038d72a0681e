"""Print pip constraints pinning every dependency of pyproject.toml to its floor (``>=X`` → ``==X``).

Used by .ci/min-deps to test that the lowest versions we allow actually work.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
extras = sys.argv[1:] or ["postgres"]
for spec in [*project["dependencies"], *(s for extra in extras for s in project["optional-dependencies"][extra])]:
    found = re.match(r"\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*([^;#]*)", spec)
    if found is None or found.group(1).lower() == "followup-bot":
        continue
    floor = re.search(r">=\s*([0-9][^,\s]*)", found.group(3))
    if floor:
        print(f"{found.group(1)}=={floor.group(1)}")
