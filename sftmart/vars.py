"""The dbt vars as data: the spec of `dbt_project/macros/vars/` (the one place that declares every
var's type, range and meaning, and which dbt checks every run against: var_spec.sql merges the
groups of var_spec_<group>.sql) with the defaults from `dbt_project.yml`. `python -m sftmart.vars`
prints the var table of docs/vars.md.
"""

from __future__ import annotations

import json
import re
import sys

import yaml

from sftmart.paths import DBT_PROJECT_DIR

VARS_DIR = DBT_PROJECT_DIR / "macros" / "vars"
SPEC_FILE = VARS_DIR / "var_spec.sql"
ARMS_FILE = DBT_PROJECT_DIR / "macros" / "experiment_arms.sql"


def macro_yaml(path, block: str):
    """The YAML of a macro's `{% set <block> %}...{% endset %}`, as dbt's fromyaml reads it."""
    found = re.search(r"\{% set " + block + r" %\}(.*?)\{% endset %\}", path.read_text(encoding="utf-8"), re.S)
    return yaml.safe_load(found.group(1))


def experiment_arms() -> dict[str, dict]:
    """The experiment's arms, in order, from the one list dbt reads too (macros/experiment_arms.sql)."""
    return macro_yaml(ARMS_FILE, "arms_yaml")


def var_spec() -> dict[str, dict]:
    """Every declared var and its spec, in declaration order: the groups in the order the var_spec
    macro merges them (each `var_spec_<group>` macro in its own file), the `arms` values filled in
    from experiment_arms, as the macro does."""
    spec = {}
    for group in re.findall(r"spec\.update\((var_spec_\w+)\(\)\)", SPEC_FILE.read_text(encoding="utf-8")):
        spec.update(macro_yaml(VARS_DIR / f"{group}.sql", "spec_yaml"))
    spec["arms"]["items"]["values"] = list(experiment_arms())
    return spec


def var_defaults() -> dict:
    """The defaults dbt uses: `vars:` in dbt_project.yml."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project.get("vars") or {}


def allowed(spec: dict) -> str:
    """The values a spec allows, briefly, for docs/vars.md."""
    kind = spec["type"]
    if kind in ("integer", "number"):
        low = ("(" if spec.get("exclusive_min") else "[") + str(spec["min"]) if "min" in spec else "(-inf"
        high = str(spec["max"]) + (")" if spec.get("exclusive_max") else "]") if "max" in spec else "inf)"
        text = f"{kind} in {low}, {high}"
    elif kind == "enum":
        text = " / ".join(spec["values"])
    elif kind == "pattern":
        text = "`" + spec["regex"].replace("|", "\\|") + "`"
    elif kind == "list":
        text = f"list of {allowed(spec['items'])}"
    elif kind == "bounds":
        text = f"{{{' / '.join(spec['keys'])}: [low, high]}}"
    elif kind == "object":
        required = spec.get("required", [])
        text = "{" + ", ".join(k + ("" if k in required else "?") for k in spec["fields"]) + "}"
    else:
        text = kind
    return text + (" or null" if spec.get("nullable") else "")


def markdown_table() -> str:
    defaults = var_defaults()
    lines = ["| var | default | allowed | meaning |", "|---|---|---|---|"]
    for name, spec in var_spec().items():
        default = json.dumps(defaults.get(name), ensure_ascii=False)
        lines.append(f"| `{name}` | `{default}` | {allowed(spec)} | {spec['doc']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
