"""Rules read from a submission's source, on the trusted side (never executed here).

The source is decoded the way Python decodes a module it imports (byte-order mark, coding
cookie, any line ends), so a module Python can import is a module these checks can read.
A banned-use check counts only references that can reach a banned object: attribute
access, imports and names bound by them, and strings that are actually handed to
`getattr`/`importlib`-like calls (a constant, a sum of constants, or a name bound to
constants). A string that merely spells a name (`__all__`, a loop over the module's own
function names, a docstring) reaches nothing and is not counted. Runtime probes back
these checks up; `grader_tampering` finds the code that could fool a probe.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable, Iterator
from pathlib import Path

# Calls whose string argument names an attribute (getattr(obj, "name"), attrgetter("name"))
# or a module (import_module("name")); the value is the argument's position.
ATTRIBUTE_CALLS = {"getattr": 1, "attrgetter": 0, "methodcaller": 0}
IMPORT_CALLS = {"__import__": 0, "import_module": 0, "find_spec": 0, "find_module": 0}

# What a module needs to fool a check that runs next to it: reaching the grader's modules,
# evaluating text, importing by computed names, or inspecting frames, closures and objects.
TAMPER_MODULES = {"autograder", "solutions", "gc", "ctypes", "inspect", "builtins", "_thread"}
# The one import of the grader's package the exercise API itself makes (`AMES_COLUMNS`).
API_IMPORT_FROM = "autograder.kit.datagen"
TAMPER_NAMES = {"eval", "exec", "compile", "__builtins__", "breakpoint"}
TAMPER_ATTRIBUTES = {
    "_getframe",
    "settrace",
    "setprofile",
    "f_back",
    "f_globals",
    "f_locals",
    "f_builtins",
    "tb_frame",
    "gi_frame",
    "cr_frame",
    "__closure__",
    "__globals__",
    "__code__",
    "__subclasses__",
    "__builtins__",
    "get_referrers",
    "get_objects",
}


def decode(data: bytes) -> str:
    """Source bytes as Python reads them for an import (BOM, coding cookie, line ends).
    Undecodable bytes become U+FFFD: such a module fails to import anyway."""
    try:
        return importlib.util.decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        return text.replace("\r\n", "\n").replace("\r", "\n")


def read_source(path: Path) -> str:
    return decode(path.read_bytes())


def parse(source: str) -> ast.Module:
    """ast.parse of decoded source (tabs and any indentation Python accepts)."""
    return ast.parse(source)


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


class _Strings:
    """The strings a name can hold, for names bound only to constants: `name = "x"`,
    `for name in ("a", "b")`, tuple/list constants; anything else is unknown (empty)."""

    def __init__(self, tree: ast.AST) -> None:
        self.bound: dict[str, set[str]] = {}
        self.unknown: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
                self._bind(node.target, node.value)
            elif isinstance(node, ast.For | ast.comprehension):
                self._bind_each(node.target, node.iter)

    def _bind(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            strings = self.of(value, follow=False)
            if strings:
                self.bound.setdefault(target.id, set()).update(strings)
            else:
                self.unknown.add(target.id)

    def _bind_each(self, target: ast.AST, iterable: ast.AST) -> None:
        if isinstance(target, ast.Name):
            strings = set()
            if isinstance(iterable, ast.List | ast.Tuple | ast.Set):
                for element in iterable.elts:
                    strings |= self.of(element, follow=False)
            elif isinstance(iterable, ast.Name):
                strings = self.bound.get(iterable.id, set())
            self.bound.setdefault(target.id, set()).update(strings)

    def of(self, node: ast.AST, follow: bool = True) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return set().union(*(self.of(e, follow) for e in node.elts)) if node.elts else set()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.of(node.left, follow), self.of(node.right, follow)
            return {a + b for a in left for b in right}
        if isinstance(node, ast.JoinedStr):
            parts = [
                self.of(v.value if isinstance(v, ast.FormattedValue) else v, follow)
                for v in node.values
            ]
            combos = {""}
            for part in parts:
                combos = {c + p for c in combos for p in part} if part else set()
            return combos
        if follow and isinstance(node, ast.Name):
            return self.bound.get(node.id, set())
        return set()


def _is_own_module(node: ast.AST, aliases: set[str] = frozenset()) -> bool:
    """`sys.modules[__name__]`, `globals()`, `vars()`, or a name bound to one of them: the
    module's own namespace (looking up its own functions by name reaches nothing banned)."""
    if isinstance(node, ast.Call) and _call_name(node) in ("globals", "vars") and not node.args:
        return True
    if isinstance(node, ast.Name):
        return node.id in aliases
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Name)
        and node.slice.id == "__name__"
        and ast.unparse(node.value) == "sys.modules"
    )


def _own_module_aliases(tree: ast.AST) -> set[str]:
    """Names assigned only the module's own namespace (`this = sys.modules[__name__]`)."""
    bound: dict[str, bool] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            own = _is_own_module(node.value)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound[target.id] = bound.get(target.id, True) and own
    return {name for name, own in bound.items() if own}


def attribute_strings(tree: ast.AST, roots: Iterable[ast.AST]) -> Iterator[str]:
    """Strings handed to getattr-like calls in `roots` (not on the module's own namespace)."""
    strings = _Strings(tree)
    own = _own_module_aliases(tree)
    for root in roots:
        for node in ast.walk(root):
            if not isinstance(node, ast.Call):
                continue
            position = ATTRIBUTE_CALLS.get(_call_name(node))
            if position is None or len(node.args) <= position:
                continue
            if position == 1 and _is_own_module(node.args[0], own):
                continue
            yield from strings.of(node.args[position])


def imported_strings(tree: ast.AST, roots: Iterable[ast.AST]) -> Iterator[str]:
    """Module names handed to __import__/import_module-like calls in `roots`."""
    strings = _Strings(tree)
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Call):
                position = IMPORT_CALLS.get(_call_name(node))
                if position is not None and len(node.args) > position:
                    yield from strings.of(node.args[position])


def module_functions(tree: ast.Module) -> dict[str, ast.AST]:
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def reachable(tree: ast.Module, entry_points: Iterable[str]) -> list[ast.AST]:
    """The definitions of `entry_points` and of every module-level function or class they
    name, transitively, plus the module's top-level statements (run at import)."""
    functions = module_functions(tree)
    seen: set[str] = set()
    todo = [name for name in entry_points if name in functions]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Name) and node.id in functions and node.id not in seen:
                todo.append(node.id)
    top_level = [n for n in tree.body if n not in functions.values()]
    return [functions[name] for name in sorted(seen)] + top_level


def module_imports(tree: ast.AST, roots: Iterable[str]) -> list[str]:
    """Modules under `roots` that the source imports (import statements anywhere, and
    names handed to import-like calls)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in roots]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if (node.module or "").split(".")[0] in roots:
                found.append(node.module or "")
    found += [repr(name) for name in imported_strings(tree, [tree]) if name.split(".")[0] in roots]
    return found


def banned_references(
    tree: ast.Module, entry_points: Iterable[str], banned: set[str], library_roots: set[str]
) -> list[str]:
    """Banned attribute names that code reachable from `entry_points` can get at: as an
    attribute (`torch.softmax`, `x.log_softmax`), a name imported from a library module
    (`from torch.nn.functional import softmax as sm`), or a string passed to a getattr-like
    call (`getattr(F, "soft" + "max")`)."""
    roots = reachable(tree, entry_points)
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in library_roots:
            for alias in node.names:
                if alias.name in banned:
                    imported[alias.asname or alias.name] = alias.name
    found = set()
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Attribute) and node.attr in banned:
                found.add(node.attr)
            elif isinstance(node, ast.Name) and node.id in imported:
                found.add(imported[node.id])
    found |= {repr(s) for s in attribute_strings(tree, roots) if s in banned}
    return sorted(found)


def grader_tampering(tree: ast.AST) -> list[str]:
    """What in the module could fool a check that runs beside it: imports of the grader,
    of gc/ctypes/inspect/builtins, eval/exec/compile, imports by a computed name, frame and
    closure introspection, `sys.modules`. Ordinary code needs none of these."""
    found = set()
    strings = _Strings(tree)
    own_module = {  # sys.modules[__name__] is the module itself, not the import table
        id(node.value)
        for node in ast.walk(tree)
        if _is_own_module(node) and isinstance(node, ast.Subscript)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] in TAMPER_MODULES}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.split(".")[0] in TAMPER_MODULES:
                if module != API_IMPORT_FROM:
                    found.add(module)
        elif isinstance(node, ast.Name) and node.id in TAMPER_NAMES:
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in TAMPER_ATTRIBUTES:
            found.add(f".{node.attr}")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "modules"
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
            and id(node) not in own_module
        ):
            found.add("sys.modules")
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            position = IMPORT_CALLS.get(name)
            if position is not None and len(node.args) > position:
                names = strings.of(node.args[position])
                if not names:
                    found.add(f"{name}(<computed name>)")
                found |= {n for n in names if n.split(".")[0] in TAMPER_MODULES}
            position = ATTRIBUTE_CALLS.get(name)
            if position is not None and len(node.args) > position:
                found |= {
                    f".{s}" for s in strings.of(node.args[position]) if s in TAMPER_ATTRIBUTES
                }
    return sorted(found)


def forfeits_rules(path: Path) -> bool:
    """Whether the module at `path` earns no rule points (see `grader_tampering`)."""
    try:
        return bool(grader_tampering(parse(read_source(path))))
    except SyntaxError:
        return True


def rule_test_names(suite: Path) -> set[str]:
    """The `@pytest.mark.rule` tests of a hidden suite file, without their `test_` prefix."""
    tree = ast.parse(read_source(suite))
    return {
        node.name.removeprefix("test_")
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(d) == "pytest.mark.rule" for d in node.decorator_list)
    }
