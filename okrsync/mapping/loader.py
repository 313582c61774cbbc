"""Read a mapping file (YAML) and report every problem in it at once, with line numbers.

The file is parsed with ruamel.yaml's round-trip loader, which keeps the line of every key, so
each problem can say `okr.yaml:12 collections.key_results.fields.targt: not a canonical field —
did you mean "target"?`. Problems come from two passes over the same data: the pydantic models
in `schema.py` (types, unknown keys, versions) and the checks below that know what canonical
fields mean (field names, required fields, parse modes that fit, value-map targets). Both run
in full before anything is raised, so an admin fixes a file in one go.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from pathlib import Path
from typing import Any, Final, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.scalarbool import ScalarBoolean

from okrsync.errors import ConfigError
from okrsync.input_files import MAX_DEPTH, parse_guard, read_input
from okrsync.mapping.apply import parse_kind
from okrsync.mapping.keys import key_form
from okrsync.mapping.schema import (
    ALLOWED_MODES,
    FIELD_KINDS,
    MAPPING_FORMAT_VERSION,
    OPTION_SETS,
    PARSE_MODES,
    REQUIRED_FIELDS,
    FieldSpec,
    Locale,
    Mapping,
    OutputMap,
    did_you_mean,
    mappable_fields,
    unknown_field_message,
)
from okrsync.mapping.values import ValueParseError, is_empty, option_key
from okrsync.redaction import LONE_SURROGATE

COLLECTION_NAMES: Final = ("objectives", "key_results", "cycles", "people", "check_ins")
_HINT: Final = (
    "fix each line listed; the format is described in docs/mapping.md and editors can check "
    "it with mappings/mapping.schema.json"
)

Loc = tuple[str | int, ...]


def load_mapping(path: Path) -> Mapping:
    """Load and validate a mapping file; ConfigError listing every problem with file:line."""
    text = read_input(
        path,
        "mapping file",
        missing_hint="check the path (relative paths are read from the current directory), or "
        "draft one with `okrsync mapping infer`",
    )
    return parse_mapping(text, source=str(path))


def parse_mapping(text: str, *, source: str = "<mapping>") -> Mapping:
    """Validate mapping YAML given as text; `source` names it in messages (usually the path)."""
    data = _read_yaml(text, source)
    problems = [*check_structure(data), *_model_problems(data)]
    if problems:
        raise _error(source, problems)
    return Mapping.model_validate(to_plain(data))


MAX_YAML_VALUES: Final = 20_000
"""Values a mapping file may hold once its aliases are expanded (real ones hold a few hundred);
a "billion laughs" file of a few hundred bytes expands to hundreds of millions."""


def _check_nodes(root: Node | None, source: str) -> None:
    """Refuse a YAML node graph nested deeper than MAX_DEPTH, whose aliases expand beyond
    MAX_YAML_VALUES values, or that refers to itself; computed without expanding anything."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Node, bool, int]] = [(root, False, 0)]
    while stack:
        node, done, depth = stack.pop()
        children = _children(node)
        if done:
            active.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(node)] > MAX_YAML_VALUES:
                raise ConfigError(
                    f"{source}:{node.start_mark.line + 1}: aliases (*name) expand this file to "
                    f"more than {MAX_YAML_VALUES} values; a mapping file needs a few hundred",
                    hint="write the values out instead of nesting aliases",
                )
            continue
        if id(node) in sizes:
            continue
        if depth > MAX_DEPTH:
            raise ConfigError(
                f"{source}:{node.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels",
                hint="a mapping file nests about 6 levels; flatten it",
            )
        active.add(id(node))
        stack.append((node, True, depth))
        for child in children:
            if id(child) in active:
                raise ConfigError(
                    f"{source}:{child.start_mark.line + 1}: an alias refers to the value "
                    "that holds it (a loop)",
                    hint="remove the alias",
                )
            if id(child) not in sizes:
                stack.append((child, False, depth + 1))


def _flow_depth(text: str) -> tuple[int, int]:
    """The deepest nesting of [ ] and { } in `text` (outside quotes and comments) and its line.

    Checked before parsing: the YAML parser takes minutes on a few thousand open brackets.
    """
    depth = deepest = 0
    line = at_line = 1
    quote = ""
    previous = "\n"
    for char in text:
        if char == "\n":
            line += 1
            quote = "" if quote == "#" else quote
        elif quote:
            if char == quote and quote != "#":
                quote = ""
        elif char in "'\"" or (char == "#" and previous in " \t\n"):
            quote = char
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, at_line = depth, line
        elif char in "]}":
            depth = max(0, depth - 1)
        previous = char
    return deepest, at_line


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _read_yaml(text: str, source: str) -> Any:
    yaml = YAML(typ="rt")
    try:
        deepest, deepest_line = _flow_depth(text)
        if deepest > MAX_DEPTH:
            raise ConfigError(
                f"{source}:{deepest_line}: brackets nested deeper than {MAX_DEPTH} levels",
                hint="a mapping file nests about 6 levels; flatten it",
            )
        with parse_guard(source, "mapping file"):
            _check_nodes(yaml.compose(text), source)
            data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        raise ConfigError(
            f"{source}{line}: not valid YAML: {what}",
            hint="check indentation and quoting on that line (quote values holding ': ' or '#')",
        ) from None
    except YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if data is None:
        raise ConfigError(
            f"{source}: the mapping file is empty",
            hint="start from a ready mapping in mappings/ or run `okrsync mapping infer`",
        )
    if not isinstance(data, CommentedMap):
        raise ConfigError(
            f"{source}:1: a mapping file must be a YAML mapping (version:, collections:, ...), "
            f"not {_kind(data)}",
            hint="start from a ready mapping in mappings/",
        )
    return data


def _error(source: str, problems: list[tuple[int, Loc, str]]) -> ConfigError:
    unique = sorted(set(problems), key=lambda p: (p[0], [str(x) for x in p[1]], p[2]))
    lines = [f"{source}:{line} {_dotted(loc)}: {message}" for line, loc, message in unique]
    count = len(lines)
    return ConfigError(
        f"{source}: {count} problem{'s' if count != 1 else ''} in the mapping file",
        hint=_HINT,
        problems=lines,
    )


def _dotted(loc: Loc) -> str:
    return ".".join(str(p) for p in loc) if loc else "(top level)"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f'the text "{value}"'
    if value is None:
        return "empty"
    return f"the value {value!r}"


def to_plain(node: Any) -> Any:
    """ruamel's round-trip nodes as plain dicts, lists and scalars (keys as text)."""
    if isinstance(node, dict):
        return {_key(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, ScalarBoolean):  # an anchored boolean, an int subclass in ruamel
        return bool(node)
    if isinstance(node, TaggedScalar):  # `!tag value`: tags mean nothing in a mapping file
        return to_plain(node.value)
    if isinstance(node, bool) or node is None or isinstance(node, date):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return _no_surrogates(str(node))
    return node


def _no_surrogates(text: str) -> str:
    """A YAML "\\ud800" escape gives a lone surrogate, which no model or encoder accepts."""
    return LONE_SURROGATE.sub("\ufffd", text) if LONE_SURROGATE.search(text) else text


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return _no_surrogates(str(key))


def line_of(root: Any, loc: Loc) -> int:
    """The 1-based line of the deepest node of `loc` that exists in the YAML tree."""
    line = 1
    node = root
    for part in loc:
        if isinstance(node, CommentedMap):
            key = next((k for k in node if _key(k) == str(part)), None)
            if key is None:
                break
            try:
                line = node.lc.key(key)[0] + 1
            except KeyError:  # a key merged in with `<<: *anchor` has no line of its own here
                line = node.lc.line + 1 if node.lc.line is not None else line
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


# --------------------------------------------------------------------------------------------
# Pass 1: pydantic, with its errors rewritten to name the fix


def _model_problems(data: CommentedMap) -> list[tuple[int, Loc, str]]:
    try:
        Mapping.model_validate(to_plain(data))
    except ValidationError as exc:
        problems: list[tuple[int, Loc, str]] = []
        for error in exc.errors():
            loc: Loc = tuple(error["loc"])
            if not loc and error["type"] == "value_error":
                continue  # the model-level canonical checks, reported with lines by pass 2
            message, loc = _explain(error, loc)
            problems.append((line_of(data, loc), loc, message))
        return problems
    return []


def _explain(error: Any, loc: Loc) -> tuple[str, Loc]:
    kind = error["type"]
    value = error.get("input")
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        if loc[:1] == ("collections",):
            hint = did_you_mean(str(loc[-1]), COLLECTION_NAMES)
            return f"not a collection{hint} (one of: {', '.join(COLLECTION_NAMES)})", loc
        if loc[:1] == ("outputs",):
            return f"outputs are written for objectives and key_results only, not {loc[-1]}", loc
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed)
        return f"unknown key{hint} (allowed here: {', '.join(allowed)})", loc
    if loc == ("version",):
        return (
            f"mapping version {value!r} is not supported; this okrsync reads version "
            f"{MAPPING_FORMAT_VERSION} (set `version: {MAPPING_FORMAT_VERSION}`)",
            loc,
        )
    if kind == "literal_error" and loc and loc[-1] == "parse":
        hint = did_you_mean(str(value), PARSE_MODES)
        return f'"{value}" is not a parse mode{hint} (one of: {", ".join(PARSE_MODES)})', loc
    if kind == "missing":
        return f"missing; add `{loc[-1]}:`", loc
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        if len(loc) >= 4 and loc[-2] == "fields":
            return (
                f"expected the source field's name or a mapping with field/parse/values/"
                f"default/value, not {_kind(value)}",
                loc,
            )
        return f"expected a mapping (key: value), not {_kind(value)}", loc
    message = str(error["msg"]).removeprefix("Value error, ")
    return message, loc


def _allowed_keys(loc: Loc) -> list[str]:
    """The keys a model accepts at `loc` (for did-you-mean on unknown keys)."""
    model: Any = Mapping
    for part in loc:
        model = _step(model, part)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _step(tp: Any, part: str | int) -> Any:
    """The type found one step down `tp` at key `part`: a model field or a dict's values."""
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(part))
        return _unwrap(field.annotation) if field is not None else None
    if get_origin(tp) is dict:
        return _unwrap(get_args(tp)[1])
    return None


def _unwrap(tp: Any) -> Any:
    """Drop `| None` and similar unions down to the one model or dict they hold."""
    if get_origin(tp) in (Union, types.UnionType):
        for arg in get_args(tp):
            if arg is not type(None):
                return _unwrap(arg)
    if get_origin(tp) is typing.Annotated:
        return _unwrap(get_args(tp)[0])
    return tp


# --------------------------------------------------------------------------------------------
# Pass 2: what canonical fields mean


def check_structure(data: CommentedMap) -> list[tuple[int, Loc, str]]:
    """Checks that need to know the canonical model: names, required fields, modes, maps."""
    problems: list[tuple[int, Loc, str]] = []

    def add(loc: Loc, message: str) -> None:
        problems.append((line_of(data, loc), loc, message))

    if "version" not in data:
        add((), f"no `version`; start the file with `version: {MAPPING_FORMAT_VERSION}`")
    locale = _locale(data.get("locale"))
    collections = data.get("collections")
    if not isinstance(collections, dict):
        if collections is None:
            add((), "no `collections`; declare at least `collections: objectives: fields: ...`")
        return problems
    if "objectives" not in collections:
        add(("collections",), "`objectives` is required; declare where objectives come from")
    for cname, coll in collections.items():
        name = _key(cname)
        if name not in COLLECTION_NAMES or not isinstance(coll, dict):
            continue
        fields = coll.get("fields")
        if not isinstance(fields, dict):
            continue
        base: Loc = ("collections", name, "fields")
        for fname in fields:
            if _key(fname) not in mappable_fields(name):
                add((*base, _key(fname)), unknown_field_message(name, _key(fname)))
        for required in REQUIRED_FIELDS[name]:
            if required not in {_key(f) for f in fields}:
                add(base, f"`{required}` is required; map the source field that holds it")
        for fname, spec in fields.items():
            if _key(fname) in mappable_fields(name):
                problems.extend(
                    _check_spec(data, name, _key(fname), spec, (*base, _key(fname)), locale)
                )
    problems.extend(_check_outputs(data, collections))
    return problems


def _read_fields(coll: Any) -> dict[str, str]:
    """Source field -> the canonical field reading it, for one collection's raw YAML."""
    fields = coll.get("fields") if isinstance(coll, dict) else None
    read: dict[str, str] = {}
    if not isinstance(fields, dict):
        return read
    for fname, spec in fields.items():
        source = spec.get("field") if isinstance(spec, dict) else spec
        names = list(source) if isinstance(source, list) else [source]
        if isinstance(spec, dict) and isinstance(spec.get("aliases"), list):
            names += spec["aliases"]
        for name in names:
            if isinstance(name, str):
                read.setdefault(key_form(name), _key(fname))
    return read


def _check_outputs(data: CommentedMap, collections: dict[Any, Any]) -> list[tuple[int, Loc, str]]:
    """An output property must not be a field okrsync reads: writing it would destroy input."""
    problems: list[tuple[int, Loc, str]] = []
    outputs = data.get("outputs")
    for collection in ("objectives", "key_results"):
        read = _read_fields(collections.get(collection))
        given = outputs.get(collection) if isinstance(outputs, dict) else None
        names = dict(OutputMap().model_dump())
        if isinstance(given, dict):
            names.update({_key(k): v for k, v in given.items() if _key(k) in names})
        for key, name in names.items():
            if isinstance(name, str) and key_form(name) in read:
                reader = read[key_form(name)]
                loc: Loc = ("outputs", collection, key)
                if not isinstance(given, dict) or key not in {_key(k) for k in given}:
                    loc = ("collections", collection, "fields", reader)
                problems.append(
                    (
                        line_of(data, loc),
                        loc,
                        f'"{name}" is both read (as {reader}) and written (as the {key} '
                        f"output); okrsync would overwrite your data — rename the output under "
                        f"outputs.{collection}.{key}, or set it to null",
                    )
                )
    return problems


def _locale(value: Any) -> Locale:
    try:
        return Locale.model_validate(to_plain(value)) if isinstance(value, dict) else Locale()
    except ValidationError:
        return Locale()


def _check_spec(
    data: CommentedMap, collection: str, name: str, spec: Any, loc: Loc, locale: Locale
) -> list[tuple[int, Loc, str]]:
    if isinstance(spec, str):
        return []
    if not isinstance(spec, dict):
        return []  # pass 1 reports the type
    problems: list[tuple[int, Loc, str]] = []
    kind = FIELD_KINDS[collection][name]
    mode = spec.get("parse", "auto")
    if spec.get("field") is not None and spec.get("value") is not None:
        problems.append(
            (
                line_of(data, (*loc, "value")),
                (*loc, "value"),
                "give either `field` (read from the source) or `value` (a constant), not both",
            )
        )
    if mode in PARSE_MODES and mode not in ALLOWED_MODES[kind]:
        fits = ", ".join(ALLOWED_MODES[kind])
        problems.append(
            (
                line_of(data, (*loc, "parse")),
                (*loc, "parse"),
                f'"{mode}" does not fit {name} (a {kind} field); use one of: {fits}',
            )
        )
        return problems
    try:
        field_spec = FieldSpec.model_validate(to_plain(spec))
    except ValidationError:
        return problems  # pass 1 reports it
    options = OPTION_SETS.get((collection, name))
    checks: list[tuple[Loc, Any]] = []
    if field_spec.value is not None:
        checks.append(((*loc, "value"), field_spec.value))
    if field_spec.default is not None:
        checks.append(((*loc, "default"), field_spec.default))
    values = spec.get("values")
    if isinstance(values, dict):
        checks.extend(((*loc, "values", _key(k)), v) for k, v in values.items())
        first: dict[str, str] = {}
        for k in values:
            folded = option_key(_key(k))
            if folded in first:
                where = (*loc, "values", _key(k))
                problems.append(
                    (
                        line_of(data, where),
                        where,
                        f'"{_key(k)}" is the same option as "{first[folded]}" (options are '
                        "compared case-insensitively, spaces trimmed); keep one",
                    )
                )
            first.setdefault(folded, _key(k))
    for where, value in checks:
        if is_empty(value) or kind in ("text", "ids", "ref", "cycle", "people"):
            continue
        try:
            parse_kind(kind, field_spec, to_plain(value), locale, options)
        except ValueParseError as exc:
            problems.append(
                (
                    line_of(data, where),
                    where,
                    f"{name} cannot be {exc.value!r}: expected {exc.expected}",
                )
            )
    return problems
