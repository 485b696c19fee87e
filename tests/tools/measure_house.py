"""The figures of the "house a newcomer can carry on" table, measured on `dualflow/`.

Usage: python -m tests.tools.measure_house [--skip-mypy] [--skip-radon]

Run from the top of the checkout with the project's virtualenv (mypy and radon come with the
`test` extra). What each line counts:

- mypy errors: `mypy dualflow` with no command-line flags (a `[tool.mypy]` section in
  pyproject.toml applies when there is one); the "error:" lines, grouped by error code and by
  a rough cause, from the message:
  missing stubs (`import-untyped`, `import-not-found`); session type (the message names
  SQLAlchemy's `Session` or `scoped_session` where sqlmodel's is expected, or the reverse);
  columns used as SQL expressions (an attribute such as `in_`, `desc` or `is_` missing on a plain
  type, or a SQL construct such as `where`, `order_by`, `select`, `and_` refusing a plain type);
  unchecked Optional (an attribute of `None`, or a `... | None` passed where it may not be);
  the rest is "other".
- ORM relationships: occurrences of `Relationship(` and `relationship(` in the source.
- `session.get` calls: `<name ending in session>.get(`, e.g. `db.session.get(`, `session.get(`.
- label / variant tables: assignments at module or class level to a name ending in `_LABELS`
  or `_VARIANTS` whose value is a dict (a literal, a comprehension or `dict(...)`); a plain
  alias of another table is not counted. Names defined as a table in more than one module are
  listed, and `def template_helpers` definitions are counted.
- largest modules: physical lines of each `.py` file, the three largest, and how many exceed
  600 lines.
- functions over 60 lines: every `def` (nested ones too), from its `def` line to its last line
  (decorators not counted), with the ones outside the `dualflow/demo` module or package apart.
- radon grade E-F: the blocks `radon cc -s -n E dualflow` lists.
- ways to build an absolute URL: the mechanisms production code uses to turn a route into a
  full URL, each counted when at least one function uses it: `url_for(..., _external=True)`;
  a fake request (`test_request_context`) to call `url_for` outside a request; the
  `BASE_URL` setting read and joined to a path by hand outside one `absolute_url()` function;
  and that `absolute_url()` helper itself. The functions using each are counted too (where
  `BASE_URL` is read inside `def absolute_url`, that is the helper, not a hand-made join).
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

PACKAGE = Path("dualflow")
LONG_FUNCTION = 60
LARGE_MODULE = 600

SQL_ATTRIBUTES = {
    "in_", "not_in", "notin_", "desc", "asc", "is_", "is_not", "isnot", "ilike", "like",
    "not_like", "not_ilike", "label", "contains", "startswith", "endswith", "between", "any_",
    "cast", "nulls_last", "nulls_first", "op", "collate", "distinct", "concat", "regexp_match",
}
SQL_CONSTRUCTS = {
    "where", "filter", "order_by", "group_by", "having", "join", "outerjoin", "select",
    "and_", "or_", "not_", "case", "exists", "values", "coalesce", "col", "func", "distinct",
    "with_only_columns", "add_columns", "scalar_subquery", "update", "delete", "in_",
    "on_conflict_do_nothing", "count", "sum", "min", "max", "nullif", "cast", "tuple_",
    "selectinload", "joinedload", "options", "returning", "filter_by", "label", "literal",
}


def python_files() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def in_demo(path: Path) -> bool:
    return path.parts[:2] == ("dualflow", "demo") or path == PACKAGE / "demo.py"


# --- mypy ------------------------------------------------------------------------------------


def cause(message: str, code: str) -> str:
    if code in ("import-untyped", "import-not-found"):
        return "missing stubs"
    if "sqlalchemy.orm.session.Session" in message or "scoped_session" in message:
        return "session type"
    attribute = re.search(r'has no attribute "([^"]+)"', message)
    if attribute and attribute.group(1) in SQL_ATTRIBUTES:
        return "columns used as SQL expressions"
    called = re.search(r'(?:to|variant of) "([^"]+)"', message)
    if (called and called.group(1) in SQL_CONSTRUCTS) or re.search(
            r"ColumnElement|_ColumnExpression|_ColumnsClause|_OnClause|ColumnClause|"
            r"InstrumentedAttribute|Mapped\[", message):
        return "columns used as SQL expressions"
    if (code == "union-attr" and '"None"' in message) or (
            code in ("arg-type", "call-overload", "index", "operator", "return-value")
            and re.search(r'\| None"|"None"|Optional\[', message)):
        return "unchecked Optional"
    return "other"


def measure_mypy() -> list[str]:
    result = subprocess.run([sys.executable, "-m", "mypy", str(PACKAGE)],  # noqa: S603
                            capture_output=True, text=True, check=False)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    if not errors and result.returncode not in (0, 1):
        return [f"mypy did not run: {(result.stderr or result.stdout).strip()[:300]}"]
    codes: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    for line in errors:
        found = re.search(r"\[([a-z0-9-]+)\]\s*$", line)
        code = found.group(1) if found else "no code"
        codes[code] += 1
        causes[cause(line.split(": error: ", 1)[1], code)] += 1
    lines = [f"mypy errors on dualflow/ (default settings): {len(errors):,}"]
    lines += ["  by cause: " + ", ".join(f"{name} {count}" for name, count
                                        in causes.most_common())]
    lines += ["  by code: " + ", ".join(f"{name} {count}" for name, count in codes.most_common())]
    return lines


# --- text and syntax tree --------------------------------------------------------------------


def measure_relationships(sources: dict[Path, str]) -> list[str]:
    relationships = sum(len(re.findall(r"\b[Rr]elationship\(", text))
                        for text in sources.values())
    gets = sum(len(re.findall(r"session\.get\(", text)) for text in sources.values())
    return [f"ORM relationships declared: {relationships}",
            f"session.get calls: {gets}"]


def is_table(value: ast.expr | None) -> bool:
    if isinstance(value, ast.Dict | ast.DictComp):
        return True
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "dict")


def measure_tables(trees: dict[Path, ast.Module]) -> list[str]:
    where: dict[str, set[Path]] = defaultdict(set)
    tables = variants = 0
    helpers = []
    for path, tree in trees.items():
        bodies = [tree.body] + [node.body for node in tree.body if isinstance(node, ast.ClassDef)]
        for body in bodies:
            for node in body:
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, ast.AnnAssign):
                    targets, value = [node.target], node.value
                else:
                    continue
                for target in targets:
                    names = target.elts if isinstance(target, ast.Tuple) else [target]
                    for name in names:
                        if (isinstance(name, ast.Name) and is_table(value)
                                and name.id.endswith(("_LABELS", "_VARIANTS"))):
                            tables += 1
                            variants += name.id.endswith("_VARIANTS")
                            where[name.id].add(path)
        helpers += [path for node in ast.walk(tree)
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    and node.name == "template_helpers"]
    repeated = sorted((name, len(paths)) for name, paths in where.items() if len(paths) > 1)
    return [
        f"label / variant tables: {tables} ({variants} of them *_VARIANTS)",
        "  defined in more than one module: "
        + (", ".join(f"{name} x{count}" for name, count in repeated) or "none"),
        f"template_helpers() definitions: {len(helpers)}"
        + (f" ({', '.join(str(path) for path in helpers)})" if helpers else ""),
    ]


def measure_sizes(sources: dict[Path, str], trees: dict[Path, ast.Module]) -> list[str]:
    lengths = {path: len(text.splitlines()) for path, text in sources.items()}
    largest = sorted(lengths.items(), key=lambda item: -item[1])
    long: list[tuple[int, str, bool]] = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > LONG_FUNCTION:
                    long.append((length, f"{path}:{node.lineno} {node.name}", in_demo(path)))
    long.sort(reverse=True)
    outside = [entry for entry in long if not entry[2]]
    return [
        "largest modules: " + "; ".join(f"{path} {count:,}" for path, count in largest[:3]),
        f"modules over {LARGE_MODULE} lines: "
        f"{sum(count > LARGE_MODULE for count in lengths.values())}",
        f"functions over {LONG_FUNCTION} lines: {len(long)} ({len(outside)} outside the demo)",
        *(f"  {length:4d} {name}" for length, name, _demo in long),
    ]


def measure_radon() -> list[str]:
    command = [sys.executable, "-m", "radon", "cc", "-s", "-n", "E", str(PACKAGE)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        return [f"radon did not run: {(result.stderr or result.stdout).strip()[:300]}"]
    blocks, module = [], ""
    for line in result.stdout.splitlines():
        if not line.startswith(" "):
            module = line.strip()
        elif re.search(r" - [EF] \(\d+\)$", line):
            blocks.append(f"{module} {line.strip()}")
    return [f"radon grade E-F: {len(blocks)}", *(f"  {block}" for block in blocks)]


class UrlUses(ast.NodeVisitor):
    """Per function: which ways of building an absolute URL it uses."""

    def __init__(self) -> None:
        self.stack: list[str] = ["<module>"]
        self.uses: dict[str, set[str]] = defaultdict(set)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        name = (node.func.attr if isinstance(node.func, ast.Attribute)
                else node.func.id if isinstance(node.func, ast.Name) else "")
        if any(keyword.arg == "_external" for keyword in node.keywords):
            self.uses["_external=True"].add(self.here)
        if name == "test_request_context":
            self.uses["test_request_context"].add(self.here)
        if name == "absolute_url":
            self.uses["absolute_url()"].add(self.here)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if node.value == "BASE_URL":
            way = "absolute_url()" if "absolute_url" in self.stack else "BASE_URL joined by hand"
            self.uses[way].add(self.here)

    @property
    def here(self) -> str:
        return ".".join(self.stack)


def measure_urls(trees: dict[Path, ast.Module]) -> list[str]:
    totals: Counter[str] = Counter()
    for path, tree in trees.items():
        if path.name == "config.py":  # where the setting is defined, not used
            continue
        visitor = UrlUses()
        visitor.visit(tree)
        for way, functions in visitor.uses.items():
            totals[way] += len(functions)
    ways = ["_external=True", "test_request_context", "BASE_URL joined by hand",
            "absolute_url()"]
    return [f"ways to build an absolute URL: {sum(totals[way] > 0 for way in ways)}",
            "  functions using each: " + ", ".join(f"{way} {totals[way]}" for way in ways)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-mypy", action="store_true")
    parser.add_argument("--skip-radon", action="store_true")
    arguments = parser.parse_args()
    if not PACKAGE.is_dir():
        sys.exit("run from the top of the checkout (no dualflow/ here)")
    sources = {path: path.read_text(encoding="utf-8") for path in python_files()}
    trees = {path: ast.parse(text, filename=str(path)) for path, text in sources.items()}
    lines: list[str] = []
    if not arguments.skip_mypy:
        lines += measure_mypy()
    lines += measure_relationships(sources)
    lines += measure_tables(trees)
    lines += measure_sizes(sources, trees)
    if not arguments.skip_radon:
        lines += measure_radon()
    lines += measure_urls(trees)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
