"""Read osu-web's source and write the shape table osukit is checked against.

Usage::

    python scripts/osu_web_shapes.py build --git-dir PATH/TO/osu-web.git [--rev HEAD] [--out scripts/data/osu_web_shapes.json]
    python scripts/osu_web_shapes.py build PATH/TO/osu-web-checkout
    python scripts/osu_web_shapes.py diff PATH/TO/newer-osu-web [--table scripts/data/osu_web_shapes.json]
    python scripts/osu_web_shapes.py diff --git-dir PATH/TO/osu-web.git [--rev REV]

``build`` reads a snapshot of ppy/osu-web (a git directory, read at ``HEAD``
with ``git show``; or a plain checkout) and writes a JSON table with:

* ``osu_web_commit``: the commit read (``null`` for a plain directory without git);
* ``transformers``: for every ``app/Transformers/**`` class its attributes (the keys of
  the array ``transform()`` returns, with the line), its ``$availableIncludes``,
  ``$defaultIncludes``, ``$permissions`` and what each ``include*`` method returns
  (item/collection of which transformer, or a primitive), cross-checked with the
  TypeScript interface osu-web keeps for it under ``resources/js/interfaces``;
* ``routes``: every api/v2 route of ``tests/api_routes.json`` (method, uri, scopes,
  controller) and, for the third-party ones, what its controller action returns
  (``json_item``/``json_collection`` calls with their transformer and includes,
  constants resolved);
* ``api_versions``: every ``api_version()`` comparison in ``app/`` and what it changes;
* ``exceptions``: what the heuristic PHP/TS reading could not resolve.

``diff`` builds the table of another snapshot in memory and reports new and
removed routes, scope changes, and new and removed fields against the committed
table and osukit's models.

Exit codes: ``0`` the table was written (``build``) or no drift was found (``diff``);
``1`` drift was found (``diff``); ``2`` a usage or input error (a bad argument, a
snapshot or ``--git-dir`` that is missing or is not osu-web, a revision git cannot
read, an unreadable table), explained in one ``error:`` line on stderr.

The PHP reading is regular expressions and bracket matching, made robust for the
snapshot named in the table; what it cannot resolve is listed, never guessed.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TABLE = REPO / "scripts" / "data" / "osu_web_shapes.json"
THIRD_PARTY_SCOPES = {"public", "identify", "friends.read", "chat.read", "chat.write", "chat.write_manage",
                      "forum.write", "forum.write_manage", "delegate", "any"}

# TypeScript interface osu-web keeps for a transformer (resources/js/interfaces), where the names differ.
TS_FOR_TRANSFORMER = {
    "BeatmapCompact": "BeatmapJson",
    "Beatmap": "BeatmapExtendedJson",
    "BeatmapsetCompact": "BeatmapsetJson",
    "Beatmapset": "BeatmapsetExtendedJson",
    "UserCompact": "UserJson",
    "User": "UserExtendedJson",
    "CurrentUser": "CurrentUserJson",
    "Score": "ScoreJson",
    "LegacyMatch/LegacyMatch": "LegacyMatchJson",
    "LegacyMatch/Game": "LegacyMatchGameJson",
    "LegacyMatch/Event": "LegacyMatchEventJson",
    "Chat/Channel": "ChannelJson",
    "Chat/Message": "MessageJson",
    "Chat/UserSilence": "ChatSilenceJson",
    "Comment": "CommentJson",
    "BeatmapDiscussion": "BeatmapsetDiscussionJson",
    "BeatmapDiscussionPost": "BeatmapsetDiscussionPostJson",
    "BeatmapsetEvent": "BeatmapsetEventJson",
    "BeatmapPlaycount": "BeatmapPlaycountJson",
    "Build": "ChangelogBuild",
    "Country": "CountryJson",
    "Event": "EventJson",
    "Genre": "GenreJson",
    "Group": "GroupJson",
    "KudosuHistory": "KudosuHistoryJson",
    "Language": "LanguageJson",
    "NewsPost": "NewsPostJson",
    "Multiplayer/PlaylistItem": "PlaylistItemJson",
    "Multiplayer/Room": "RoomJson",
    "UserStatistics": "UserStatisticsJson",
    "UserRelation": "UserRelationJson",
    "UserAchievement": "UserAchievementJson",
    "UserBadge": "UserBadgeJson",
    "UserMonthlyPlaycount": "UserMonthlyPlaycountJson",
    "UserReplaysWatchedCount": "UserReplaysWatchedCountJson",
    "UserAccountHistory": "UserAccountHistoryJson",
    "RankHighest": "RankHighestJson",
    "ProfileBanner": "ProfileBannerJson",
    "Team": "TeamJson",
    "Tag": "TagJson",
    "DailyChallengeUserStats": "DailyChallengeUserStatsJson",
    "GithubUser": "GithubUserJson",
    "Season": "SeasonJson",
    "BeatmapsetNomination": "BeatmapsetNominationJson",
}


# Spreads inside a transform() array whose keys come from another class's method.
SPREADS = {
    "$score->data->jsonSerialize()": ("App\\Models\\Solo\\ScoreData", "jsonSerialize"),
}


# --- reading a snapshot --------------------------------------------------------------------------

EXIT_DRIFT = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A usage or input error: reported in one line, exit code 2 (``EXIT_USAGE``)."""


def _checked_snapshot(target: str, *, git_dir: bool, rev: str) -> Snapshot:
    """A `Snapshot` of ``target`` after checking it can be read, or a `UsageError` saying why not."""
    path = Path(target)
    if git_dir:
        try:
            out = subprocess.run(["git", "--git-dir", str(path), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                                 capture_output=True, text=True)
        except OSError as exc:
            raise UsageError(f"cannot run git to read --git-dir {target}: {exc}") from None
        if out.returncode != 0:
            if not path.exists():
                raise UsageError(f"--git-dir {target} does not exist")
            raise UsageError(f"--git-dir {target} is not a git directory with a commit {rev!r}")
        return Snapshot(path, git_dir=True, rev=rev)
    if not path.exists():
        raise UsageError(f"snapshot {target} does not exist (give an osu-web checkout, a table JSON or --git-dir)")
    if not path.is_dir():
        raise UsageError(f"snapshot {target} is not a directory (give an osu-web checkout, a table JSON or --git-dir)")
    if not (path / "app").is_dir():
        raise UsageError(f"snapshot {target} is not an osu-web checkout (it has no app/ directory)")
    return Snapshot(path, git_dir=False, rev=rev)


def _read_table(name: str, what: str) -> dict[str, Any]:
    try:
        table = json.loads(Path(name).read_text())
    except OSError as exc:
        raise UsageError(f"cannot read {what} {name}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{what} {name} is not JSON: {exc}") from None
    if not isinstance(table, dict) or "routes" not in table or "transformers" not in table:
        raise UsageError(f"{what} {name} is not a shape table written by build")
    return table


class Snapshot:
    """Files of one osu-web snapshot: a git directory (read at HEAD) or a plain directory."""

    def __init__(self, path: Path, *, git_dir: bool | None = None, rev: str = "HEAD") -> None:
        self.path = path
        self.rev = rev
        if git_dir is None:
            git_dir = not (path / "app").is_dir()
        self.git = git_dir
        self._files: list[str] | None = None

    def commit(self) -> str | None:
        args = ["git", "--git-dir", str(self.path)] if self.git else ["git", "-C", str(self.path)]
        try:
            out = subprocess.run([*args, "rev-parse", self.rev if self.git else "HEAD"], capture_output=True, text=True,
                                 check=True)
        except (OSError, subprocess.CalledProcessError):
            return None
        return out.stdout.strip() or None

    def files(self) -> list[str]:
        if self._files is None:
            if self.git:
                out = subprocess.run(["git", "--git-dir", str(self.path), "ls-tree", "-r", "--name-only", self.rev],
                                     capture_output=True, text=True, check=True)
                self._files = out.stdout.splitlines()
            else:
                self._files = sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file()
                                     and ".git" not in p.parts and "node_modules" not in p.parts and "vendor" not in p.parts)
        return self._files

    def read(self, name: str) -> str | None:
        if self.git:
            out = subprocess.run(["git", "--git-dir", str(self.path), "show", f"{self.rev}:{name}"], capture_output=True)
            return out.stdout.decode("utf-8", "replace") if out.returncode == 0 else None
        p = self.path / name
        return p.read_text("utf-8", "replace") if p.is_file() else None


# --- a small PHP reader ----------------------------------------------------------------------------

def _skip_string(text: str, i: int) -> int:
    q = text[i]
    i += 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == q:
            return i + 1
        i += 1
    return i


def _skip_comment(text: str, i: int) -> int:
    if text.startswith("//", i) or text[i] == "#":
        j = text.find("\n", i)
        return len(text) if j < 0 else j
    j = text.find("*/", i + 2)
    return len(text) if j < 0 else j + 2


def _is_comment(text: str, i: int) -> bool:
    return text.startswith("//", i) or text.startswith("/*", i) or (text[i] == "#" and not text.startswith("#[", i))


def _tokens(text: str, i: int = 0, stop: int | None = None) -> Iterator[tuple[int, str]]:
    """``(offset, piece)`` over the PHP in ``text[i:stop]``: a string literal is one piece (quotes
    included), comments are left out, and any other character is a piece of its own."""
    end = len(text) if stop is None else stop
    while i < end:
        c = text[i]
        if c in "'\"":
            j = _skip_string(text, i)
            yield i, text[i:j]
            i = j
        elif _is_comment(text, i):
            i = _skip_comment(text, i)
        else:
            yield i, c
            i += 1


def _code(text: str, i: int = 0, stop: int | None = None) -> Iterator[tuple[int, str]]:
    """``(offset, character)`` over the PHP code in ``text[i:stop]``, strings and comments skipped."""
    for j, piece in _tokens(text, i, stop):
        if len(piece) == 1 and piece not in "'\"":
            yield j, piece


_PAIRS = {"(": ")", "[": "]", "{": "}"}


def match_bracket(text: str, i: int) -> int:
    """Index just past the bracket closing the one at ``text[i]`` (strings and comments skipped)."""
    stack = [_PAIRS[text[i]]]
    for j, c in _code(text, i + 1):
        if c in _PAIRS:
            stack.append(_PAIRS[c])
        elif c == stack[-1]:
            stack.pop()
            if not stack:
                return j + 1
    return len(text)


def statement_end(text: str, i: int) -> int:
    """Index of the ``;`` ending the PHP statement that starts at ``i`` (brackets and strings skipped)."""
    while i < len(text) and text[i] != ";":
        c = text[i]
        if c in "'\"":
            i = _skip_string(text, i)
        elif c in _PAIRS:
            i = match_bracket(text, i)
        else:
            i += 1
    return i


def split_top(text: str, sep: str = ",") -> list[tuple[int, str]]:
    """Split ``text`` at ``sep`` outside brackets/strings; (offset, stripped piece) pairs."""
    out: list[tuple[int, str]] = []
    depth = 0
    start = 0
    for i, c in _code(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == sep and depth == 0:
            out.append((start, text[start:i]))
            start = i + 1
    out.append((start, text[start:]))
    res = []
    for off, piece in out:
        stripped = _strip_comments(piece).strip()
        if stripped:
            res.append((off + len(piece) - len(piece.lstrip()), stripped))
    return res


def _strip_comments(text: str) -> str:
    return "".join(piece for _, piece in _tokens(text))


_STR = re.compile(r"""^(['"])(.*)\1$""", re.S)


def php_string(expr: str) -> str | None:
    m = _STR.match(expr.strip())
    return m.group(2) if m else None


@dataclass
class Method:
    name: str
    body: str
    line: int
    signature: str


class PhpClass:
    """What the heuristics need of a PHP class file."""

    def __init__(self, name: str, text: str) -> None:
        self.file = name
        self.text = text
        m = re.search(r"^namespace\s+([\w\\]+);", text, re.M)
        self.namespace = m.group(1) if m else ""
        self.uses: dict[str, str] = {}
        for m in re.finditer(r"^use\s+([\w\\]+)(?:\s+as\s+(\w+))?;", text, re.M):
            fq = m.group(1)
            self.uses[m.group(2) or fq.rsplit("\\", 1)[-1]] = fq
        m = re.search(r"^(?:abstract\s+|final\s+)*class\s+(\w+)(?:\s+extends\s+([\w\\]+))?", text, re.M)
        self.name = m.group(1) if m else ""
        self.extends = self.resolve(m.group(2)) if m and m.group(2) else None
        self.methods: dict[str, Method] = {}
        for m in re.finditer(r"(?:public|protected|private)?\s*(?:static\s+)?function\s+(\w+)\s*\(", text):
            open_paren = m.end() - 1
            close = match_bracket(text, open_paren)
            brace = text.find("{", close)
            semi = text.find(";", close)
            if brace < 0 or (0 <= semi < brace):
                continue
            end = match_bracket(text, brace)
            self.methods.setdefault(m.group(1), Method(m.group(1), text[brace + 1:end - 1], text.count("\n", 0, brace + 1) + 1,
                                                       text[m.start():brace]))
        self.consts: dict[str, str] = {}
        for m in re.finditer(r"^\s*(?:public\s+|protected\s+|private\s+)?const\s+(\w+)\s*=\s*", text, re.M):
            end = statement_end(text, m.end())
            self.consts[m.group(1)] = text[m.end():end]
        self.props: dict[str, str] = {}
        for m in re.finditer(r"^\s*(?:public|protected|private)\s+(?:static\s+)?(?:\??[\w\\|]+\s+)?\$(\w+)\s*=\s*", text, re.M):
            end = statement_end(text, m.end())
            self.props[m.group(1)] = text[m.end():end]

    def resolve(self, cls: str) -> str:
        """The fully-qualified name of a class name as written in this file."""
        cls = cls.lstrip("\\") if cls.startswith("\\") else cls
        head, _, rest = cls.partition("\\")
        if head in self.uses:
            return self.uses[head] + ("\\" + rest if rest else "")
        if cls.startswith("App\\"):
            return cls
        return f"{self.namespace}\\{cls}" if self.namespace else cls

    def line_of(self, method: Method, offset: int) -> int:
        return method.line + method.body.count("\n", 0, offset)


def transformer_key(fq: str) -> str | None:
    prefix = "App\\Transformers\\"
    if not fq.startswith(prefix) or not fq.endswith("Transformer"):
        return None
    return fq[len(prefix):-len("Transformer")].replace("\\", "/")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])|(?<=[a-z])(?=[0-9])", "_", name).lower()


# --- transformers ----------------------------------------------------------------------------------

class Reader:
    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.exceptions: list[dict[str, Any]] = []
        self.classes: dict[str, PhpClass] = {}
        self.variants: dict[tuple[str, str], dict[str, Any]] = {}
        self._by_fq: dict[str, str] = {}
        for name in snap.files():
            if name.startswith("app/") and name.endswith(".php"):
                fq = "App\\" + name[4:-4].replace("/", "\\")
                self._by_fq[fq] = name

    def cls(self, fq: str) -> PhpClass | None:
        if fq in self.classes:
            return self.classes[fq]
        name = self._by_fq.get(fq)
        if name is None:
            return None
        text = self.snap.read(name)
        if text is None:
            return None
        c = PhpClass(name, text)
        self.classes[fq] = c
        return c

    def note(self, where: str, what: str) -> None:
        self.exceptions.append({"where": where, "what": what})

    # constants and string lists

    def strings(self, expr: str, ctx: PhpClass, where: str, env: dict[str, list[str]] | None = None,
                *, quiet: bool = False) -> list[str] | None:
        """The strings of a PHP array expression (spreads, constants, array_map/array_merge, helpers resolved)."""
        expr = expr.strip()
        m = re.fullmatch(r"(.+?)\s*\?\?\s*\[\s*\]", expr, re.S)
        if m:
            got = self.strings(m.group(1), ctx, where, env, quiet=True)
            return [] if got is None else got
        expr = re.sub(r",\s*\)$", ")", expr)
        m = re.fullmatch(r"array_map\(\s*function\s*\(\s*\$\w+\s*\)\s*\{\s*return\s*(\"[^\"]*\")\s*;\s*\}\s*,(.+)\)", expr, re.S)
        if m:
            expr = f"array_map(fn ($x) => {m.group(1)}, {m.group(2).strip()})"
        s = php_string(expr)
        if s is not None:
            return [s]
        m = re.fullmatch(r'"([^"]*)"', expr)
        if m:
            return [m.group(1)]
        m = re.fullmatch(r"array_map\(\s*fn\s*\([^)]*\$\w+\s*\)\s*=>\s*\"([\w.]*)\{\$\w+\}\"\s*,\s*(.+)\)", expr, re.S)
        if m:
            inner = self.strings(m.group(2), ctx, where, env, quiet=True)
            if inner is None and re.fullmatch(r"array_keys\([\w\\]+::\w+\)", m.group(2).strip()):
                inner = ["*"]
            return None if inner is None else [f"{m.group(1)}{x}" for x in inner]
        m = re.fullmatch(r"prefix_strings\(\s*'([^']*)'\s*,\s*(.+)\)", expr, re.S)
        if m:
            inner = self.strings(m.group(2), ctx, where, env, quiet=quiet)
            return None if inner is None else [m.group(1) + x for x in inner]
        if expr.startswith("array_merge(") and expr.endswith(")"):
            out_m: list[str] = []
            for _, arg in split_top(expr[len("array_merge("):-1]):
                got = self.strings(arg, ctx, where, env, quiet=quiet)
                if got is None:
                    return None
                out_m.extend(got)
            return out_m
        if expr.startswith("[") and expr.endswith("]"):
            out: list[str] = []
            for _, item in split_top(expr[1:-1]):
                if item.startswith("..."):
                    item = item[3:]
                elif re.match(r"^['\"][^'\"]*['\"]\s*=>", item):
                    if not quiet:
                        self.note(where, f"keyed item in include list: {item[:60]}")
                    return None
                got = self.strings(item, ctx, where, env, quiet=quiet)
                if got is None and re.fullmatch(r"(?:\$this->|static::|self::)\w+\(.+\)", item, re.S):
                    # includes chosen from request parameters (e.g. changelog message formats)
                    self.note(where, f"request-dependent includes left out: {' '.join(item.split())[:70]}")
                    continue
                if got is None:
                    return None
                out.extend(got)
            return out
        m = re.fullmatch(r"([\w\\]+)::([A-Z_][A-Z0-9_]*)", expr)
        if m:
            owner = m.group(1)
            target = ctx if owner in ("self", "static") else self.cls(ctx.resolve(owner))
            while target is not None and m.group(2) not in target.consts and target.extends:
                target = self.cls(target.extends)
            if target is None or m.group(2) not in target.consts:
                if not quiet:
                    self.note(where, f"constant not found: {expr}")
                return None
            return self.strings(target.consts[m.group(2)], target, where, env, quiet=quiet)
        m = re.fullmatch(r"\$(\w+)", expr)
        if m and env is not None and m.group(1) in env:
            return list(env[m.group(1)])
        m = re.fullmatch(r"(?:\$this->|static::|self::)(\w+)\(\s*\)", expr)
        if m and m.group(1) in ctx.methods:
            body = ctx.methods[m.group(1)].body
            inner_env = _include_vars(self, ctx, body, where)
            rm = re.search(r"\breturn\s+(.+?);\s*$", body.strip() + "\n", re.S)
            if rm:
                return self.strings(rm.group(1), ctx, where, inner_env, quiet=quiet)
        return None

    def transformer(self, key: str, out: dict[str, Any]) -> None:
        if key in out:
            return
        fq = "App\\Transformers\\" + key.replace("/", "\\") + "Transformer"
        c = self.cls(fq)
        if c is None:
            self.note(key, "transformer class not found")
            return
        where = c.file
        entry: dict[str, Any] = {"file": c.file, "extends": transformer_key(c.extends or "") if c.extends else None,
                                 "attributes": {}, "available_includes": [], "default_includes": [], "includes": {},
                                 "permissions": {}, "constants": {}}
        out[key] = entry
        parent = entry["extends"]
        if parent and parent != "TransformerAbstract":
            self.transformer(parent, out)
        for prop in ("availableIncludes", "defaultIncludes"):
            if prop in c.props:
                got = self.strings(c.props[prop], c, where)
                if got is None:
                    self.note(where, f"${prop} not resolved")
                entry["available_includes" if prop == "availableIncludes" else "default_includes"] = sorted(set(got or []))
            elif parent and parent in out:
                entry["available_includes" if prop == "availableIncludes" else "default_includes"] = list(
                    out[parent]["available_includes" if prop == "availableIncludes" else "default_includes"])
        if "permissions" in c.props:
            for _, item in split_top(c.props["permissions"].strip()[1:-1]):
                k, _, v = item.partition("=>")
                ks, vs = php_string(k), php_string(v)
                if ks and vs:
                    entry["permissions"][ks] = vs
        elif parent and parent in out:
            entry["permissions"] = dict(out[parent]["permissions"])
        for name in c.consts:
            if name.endswith("INCLUDES"):
                got = self.strings(c.consts[name], c, where)
                if got is not None:
                    entry["constants"][name] = got
        # attributes
        tm = c.methods.get("transform")
        if tm is None:
            if parent and parent in out:
                entry["attributes"] = {k: {**v, "inherited": True} for k, v in out[parent]["attributes"].items()}
            else:
                self.note(where, "no transform()")
        else:
            entry["attributes"] = self.attributes(c, tm, out, parent)
            for (file, mname), attrs in list(self.variants.items()):
                if file == c.file:
                    checks = [f"{op} {v}" for op, v in re.findall(r"api_version\(\)\s*(>=|<|>|<=)\s*(\d{8})", c.text)]
                    entry.setdefault("variants", {})[mname] = {"attributes": attrs, "api_version": checks[0] if checks else None}
        # include methods (inherited ones first)
        if parent and parent in out:
            entry["includes"] = {k: {**v, "inherited": True} for k, v in out[parent]["includes"].items()}
        for mname, method in c.methods.items():
            if mname.startswith("include") and len(mname) > 7 and mname[7].isupper():
                inc = snake(mname[7:])
                entry["includes"][inc] = self.include(c, method, out)
        for inc in entry["available_includes"] + entry["default_includes"]:
            if inc not in entry["includes"]:
                self.note(where, f"include {inc!r} has no include method")
        # nested transformers
        for inc in entry["includes"].values():
            t = inc.get("transformer")
            if t and t not in out:
                self.transformer(t, out)

    def attributes(self, c: PhpClass, m: Method, out: dict[str, Any], parent: str | None) -> dict[str, Any]:
        body = m.body
        attrs: dict[str, Any] = {}
        where = f"{c.file}:{m.line}"
        returns = list(re.finditer(r"\breturn\b", body))
        array_returns = sum(1 for r in returns if body[r.end():].lstrip().startswith("["))
        arrays: list[tuple[int, str, bool]] = []  # (offset, array text, conditional)
        variables: set[str] = set()
        for r in returns:
            j = r.end()
            while body[j].isspace():
                j += 1
            if body[j] == "[":
                end = match_bracket(body, j)
                arrays.append((j + 1, body[j + 1:end - 1], array_returns > 1))
            elif body.startswith("array_merge(", j):
                end = match_bracket(body, j + len("array_merge"))
                for off, arg in split_top(body[j + len("array_merge("):end - 1]):
                    base = j + len("array_merge(") + off
                    jm = re.match(r"json_item\(.*?,\s*new\s+([\w\\]+Transformer)\s*\(\s*\)\s*\)$", arg, re.S)
                    if arg.startswith("parent::transform"):
                        self._inherit(attrs, out, parent)
                    elif jm and transformer_key(c.resolve(jm.group(1))):
                        other_key = str(transformer_key(c.resolve(jm.group(1))))
                        self.transformer(other_key, out)
                        for k, v in out.get(other_key, {}).get("attributes", {}).items():
                            attrs.setdefault(k, {**v, "via": other_key})
                    elif arg.startswith("["):
                        arrays.append((base + 1, arg[1:-1], False))
                    else:
                        mv = re.fullmatch(r"\$(\w+)", arg)
                        if mv:
                            variables.add(mv.group(1))
                        else:
                            self.note(where, f"array_merge argument not resolved: {arg[:60]}")
            else:
                mv = re.match(r"\$(\w+)\s*;", body[j:])
                other = re.match(r"\$this->(\w+)\(", body[j:])
                if mv:
                    variables.add(mv.group(1))
                elif other and other.group(1) in c.methods:
                    # another shape of the same transformer (ScoreTransformer::transformLegacy)
                    self.variants[(c.file, other.group(1))] = self.attributes(c, c.methods[other.group(1)], out, parent)
                else:
                    self.note(where, f"return not resolved: {body[j:j + 60]!r}")
        later: list[tuple[str, int]] = []  # $ret['x'] = ... after the literal: conditional, listed last
        for var in variables:
            for am in re.finditer(rf"\${var}\s*=\s*\[", body):
                start = am.end() - 1
                end = match_bracket(body, start)
                arrays.append((start + 1, body[start + 1:end - 1], False))
            for am in re.finditer(rf"\${var}\[\s*'(\w+)'\s*\]\s*=", body):
                later.append((am.group(1), c.line_of(m, am.start())))
        per_return: dict[int, set[str]] = {}
        for off, text, conditional in arrays:
            for ioff, item in split_top(text):
                line = c.line_of(m, off + ioff)
                if item.startswith("..."):
                    spread = item[3:].strip()
                    if spread.startswith("parent::transform"):
                        self._inherit(attrs, out, parent)
                        continue
                    mv = re.fullmatch(r"\$(\w+)", spread)
                    if mv:
                        for am in re.finditer(rf"\${mv.group(1)}\[\s*'(\w+)'\s*\]\s*=", body):
                            attrs.setdefault(am.group(1), {"line": c.line_of(m, am.start()), "conditional": True})
                        continue
                    known = SPREADS.get(spread)
                    target = self.cls(known[0]) if known else None
                    if target is not None and known is not None and known[1] in target.methods:
                        for k, v in self.attributes(target, target.methods[known[1]], out, None).items():
                            attrs.setdefault(k, {**v, "via": f"{target.file}:{v['line']}", "line": line})
                        continue
                    attrs.setdefault(f"...{spread}", {"line": line, "conditional": False, "spread": True})
                    self.note(where, f"spread not resolved at line {line}: {spread}")
                    continue
                k, sep, _v = item.partition("=>")
                key = php_string(k)
                if not sep or key is None:
                    self.note(where, f"array item not resolved at line {line}: {item[:60]}")
                    continue
                attrs.setdefault(key, {"line": line, "conditional": conditional})
                per_return.setdefault(off, set()).add(key)
        for name, line in later:
            attrs.setdefault(name, {"line": line, "conditional": True})
        returned = [keys for off, keys in per_return.items() if any(o == off and c for o, _t, c in arrays)]
        for key, facts in attrs.items():
            if facts.get("conditional") and returned and all(key in keys for keys in returned):
                facts["conditional"] = False  # sent by every return of transform()
        return attrs

    def _inherit(self, attrs: dict[str, Any], out: dict[str, Any], parent: str | None) -> None:
        if parent and parent in out:
            for k, v in out[parent]["attributes"].items():
                attrs.setdefault(k, {**v, "inherited": True})

    def include(self, c: PhpClass, m: Method, out: dict[str, Any]) -> dict[str, Any]:
        body = m.body
        res: dict[str, Any] = {"line": m.line, "kind": None}
        kinds = re.findall(r"\$this->(item|collection|primitive)\s*\(", body)
        if not kinds:
            self.note(f"{c.file}:{m.line}", f"{m.name}: returns no resource")
            res["kind"] = "unknown"
            return res
        non_primitive = [k for k in kinds if k != "primitive"]
        res["kind"] = non_primitive[0] if non_primitive else "primitive"
        pm = re.search(r"\$this->primitive\(\s*(?:[^;]*?\?\s*)?\[", body)
        if not non_primitive and pm:
            # $this->primitive(['slot' => …, 'team' => …]): an object with these keys
            start = pm.end() - 1
            end = match_bracket(body, start)
            keys = [php_string(item.partition("=>")[0]) for _, item in split_top(body[start + 1:end - 1])
                    if "=>" in item]
            if keys and all(keys):
                res["attributes"] = [k for k in keys if k]
        if "primitive(null)" in body.replace(" ", "") or re.search(r"return\s+null\s*;", body):
            res["nullable"] = True
        if _strip_comments(body).strip().endswith("}") or re.search(r"\breturn\s*;", body):
            # the last return sits in an if-block: Fractal leaves the key out when nothing is returned
            res["may_be_absent"] = True
        if non_primitive:
            tm = re.search(r"new\s+([\w\\]+Transformer|static)\s*\(", body)
            dyn = re.search(r"new\s+\$this->(\w+)\s*\(", body)
            if tm:
                res["transformer"] = transformer_key(c.resolve(c.name if tm.group(1) == "static" else tm.group(1)))
                targs = _constructor_args(body[tm.start():], body)
                if targs:
                    res["transformer_args"] = targs
            elif dyn:
                prop = c.props.get(dyn.group(1), "")
                cls = re.match(r"([\w\\]+)::class", prop.strip())
                res["transformer"] = transformer_key(c.resolve(cls.group(1))) if cls else None
                res["transformer_property"] = dyn.group(1)
            else:
                fn = re.search(r"fn\s*\([^)]*\)\s*=>\s*\[", body)
                if fn:
                    start = fn.end() - 1
                    end = match_bracket(body, start)
                    keys = [php_string(item.partition("=>")[0]) for _, item in split_top(body[start + 1:end - 1])]
                    res["attributes"] = [k for k in keys if k]
                else:
                    self.note(f"{c.file}:{m.line}", f"{m.name}: transformer not resolved")
        return res


# --- TypeScript interfaces -----------------------------------------------------------------------

def ts_interfaces(snap: Snapshot) -> dict[str, Any]:
    """Every interface/type alias under resources/js/interfaces: fields with optional/nullable marks."""
    raw: dict[str, dict[str, Any]] = {}
    for name in snap.files():
        if not (name.startswith("resources/js/interfaces/") and name.endswith(".ts")):
            continue
        text = snap.read(name) or ""
        for m in re.finditer(r"(?:export\s+(?:default\s+)?)?interface\s+(\w+)(?:<[^>{]*>)?(?:\s+extends\s+([^{]+))?\s*\{", text):
            end = match_bracket(text, m.end() - 1)
            raw[m.group(1)] = {"file": name, "parts": [p.strip() for p in (m.group(2) or "").split(",") if p.strip()],
                               "fields": _ts_fields(text[m.end():end - 1]), "line": text.count("\n", 0, m.start()) + 1}
        for m in re.finditer(r"(?:export\s+)?type\s+(\w+)(?:<[^>=]*>)?\s*=\s*", text):
            end = m.end()
            depth = 0
            while end < len(text):
                ch = text[end]
                if ch in "{(<[":
                    depth += 1
                elif ch in "})>]":
                    depth -= 1
                elif ch == ";" and depth == 0:
                    break
                end += 1
            expr = text[m.end():end]
            if "&" not in expr and "{" not in expr and not re.match(r"\s*\|?\s*\w+", expr):
                continue
            parts, fields = [], {}
            for piece in _split_amp(expr):
                piece = piece.strip()
                if piece.startswith("{"):
                    fields.update(_ts_fields(piece[1:-1]))
                else:
                    parts.append(piece)
            raw.setdefault(m.group(1), {"file": name, "parts": parts, "fields": fields,
                                        "line": text.count("\n", 0, m.start()) + 1})
    return raw


def _split_amp(expr: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in expr:
        if ch in "{(<[":
            depth += 1
        elif ch in "})>]":
            depth -= 1
        if ch == "&" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def _split_top_ts(expr: str, sep: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in expr:
        if ch in "{(<[":
            depth += 1
        elif ch in "})>]":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [p for p in (x.strip() for x in out) if p]


def _ts_fields(body: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    depth = 0
    cur = ""
    items = []
    for ch in body:
        if ch in "{(<[":
            depth += 1
        elif ch in "})>]":
            depth -= 1
        if ch in ";\n" and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    for item in items:
        item = re.sub(r"//.*", "", item).strip().rstrip(",")
        m = re.match(r"^(?:readonly\s+)?['\"]?([\w@]+)['\"]?(\?)?\s*:\s*(.+)$", item, re.S)
        if not m:
            continue
        tp = " ".join(m.group(3).split())
        fields[m.group(1)] = {"optional": bool(m.group(2)), "nullable": bool(re.search(r"(^|\|)\s*null\s*($|\|)", tp)),
                              "type": tp}
    return fields


def ts_flatten(raw: dict[str, Any], name: str, seen: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    if name not in raw or name in seen:
        return None
    seen = seen | {name}
    out: dict[str, Any] = {}
    for part in raw[name]["parts"]:
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        members = _split_top_ts(part, "|")
        if len(members) > 1:
            # a union: each member's fields are there for some objects only
            for member in members:
                sub = ts_flatten(raw, member.strip(), seen)
                for k, v in (sub or {}).items():
                    out.setdefault(k, {**v, "optional": True})
            continue
        partial = False
        m = re.fullmatch(r"Partial<\s*(\w+)\s*>", part)
        if m:
            part, partial = m.group(1), True
        m = re.fullmatch(r"(?:Omit|Pick)<\s*(\w+)\s*,[^>]*>", part)
        if m:
            part = m.group(1)
        sub = ts_flatten(raw, part.strip(), seen)
        if sub is None:
            continue
        for k, v in sub.items():
            out[k] = {**v, "optional": v["optional"] or partial}
    out.update(raw[name]["fields"])
    return out


# --- controllers and routes ----------------------------------------------------------------------

_CALL = re.compile(r"\b(json_item|json_collection)\s*\(")


def controller_responses(reader: Reader, controller: str, where: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The json_item/json_collection calls a controller action makes.

    Follows, a few levels deep, ``$this->helper()`` calls (narrowed to the ``switch`` cases the
    action can reach), static calls into other App classes (``RoomTransformer::createShowResponse``)
    and ``new XBundle(...)`` objects (their ``toArray``).
    """
    fq, _, action = controller.partition("@")
    c = reader.cls(fq)
    if c is None or action not in c.methods:
        return [], [f"controller action not found: {controller}"]
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    out: list[dict[str, Any]] = []
    problems: list[str] = []

    def visit(cls: PhpClass, method: Method, depth: int, cases: tuple[str, ...] = (), html: bool = False,
              key_hint: str | None = None) -> None:
        key = (cls.file, method.name, cases)
        if key in seen:
            return
        seen.add(key)
        body = _narrow_switch(method.body, cases)
        env = _include_vars(reader, cls, body, where)
        transformer_vars = _transformer_vars(cls, body)
        for m in _CALL.finditer(body):
            start = m.end() - 1
            end = match_bracket(body, start)
            args = [a for _, a in split_top(body[start + 1:end - 1])]
            line = cls.line_of(method, method.body.find(body[m.start():m.start() + 120])) if cases else cls.line_of(method, m.start())
            if len(args) < 2:
                problems.append(f"{cls.file}:{line}: {m.group(1)} with {len(args)} arguments")
                continue
            names = _transformer_of(cls, args[1], transformer_vars)
            if not names:
                problems.append(f"{cls.file}:{line}: transformer not resolved: {args[1][:60]}")
                continue
            includes: list[str] | None = []
            if len(args) >= 3:
                includes = reader.strings(args[2], cls, f"{cls.file}:{line}", env)
                if includes is None:
                    problems.append(f"{cls.file}:{line}: includes not resolved: {' '.join(args[2].split())[:80]}")
                    includes = []
            before = body[max(0, m.start() - 80):m.start()]
            km = re.search(r"['\"](\w+)['\"]\s*=>\s*(?:\$this->\w+\(\s*|[^,;\[\]'\"]*\?\s*)?$", before) or re.search(
                r"\$\w+\[\s*'(\w+)'\s*\]\s*=\s*$", before)
            resp_key = km.group(1) if km else None
            if resp_key is not None:
                resp_key = ".".join([*_enclosing_keys(body, m.start()), resp_key])
            vm = re.search(r"\$(\w+)\s*=\s*$", before)
            if resp_key is None and vm and not re.search(rf"\breturn\s+\${vm.group(1)}\s*;", body):
                um = re.search(rf"['\"](\w+)['\"]\s*=>\s*\${vm.group(1)}\b", body)
                if um:
                    resp_key = um.group(1)
            if resp_key is None and key_hint is not None:
                resp_key = key_hint
            targs = _constructor_args(args[1], body)
            for name in names:
                row = {"call": m.group(1), "transformer": name, "includes": _norm_includes(includes or []),
                       "key": resp_key, "file": cls.file, "line": line}
                if targs:
                    row["transformer_args"] = targs
                if html or _html_only(body, m.start()):
                    row["html_only"] = True
                cond = _version_condition(body, m.start())
                if cond:
                    row["api_version"] = cond
                elif re.search(r"\$\w+\[\s*'\w+'\s*\]\s*=\s*$", before) and _inside_if(body, m.start()):
                    row["conditional"] = True  # $result['user'] = json_item(...) inside an if
                out.append(row)
        if depth >= 3:
            return
        mappings = _static_mappings(body)
        for hm in re.finditer(r"(?:\$this->|static::|self::)(\w+)\s*\(", body):
            other = cls.methods.get(hm.group(1))
            if other is None:
                continue
            arg_end = match_bracket(body, hm.end() - 1)
            first = split_top(body[hm.end():arg_end - 1])
            sub_cases: tuple[str, ...] = ()
            if first:
                lit = php_string(first[0][1])
                if lit is not None:
                    sub_cases = (lit,)
                elif re.fullmatch(r"\$\w+", first[0][1]):
                    var = first[0][1][1:]
                    src = re.search(rf"\${var}\s*=\s*\$(\w+)\[", body)
                    if src and src.group(1) in mappings:
                        sub_cases = tuple(sorted(set(mappings[src.group(1)])))
            hint = None
            am = re.search(r"\$(\w+)\s*=\s*$", body[max(0, hm.start() - 60):hm.start()])
            if am:
                um = re.search(rf"['\"](\w+)['\"]\s*=>\s*\${am.group(1)}\b", body)
                hint = um.group(1) if um else None
            visit(cls, other, depth + 1, sub_cases, html or _html_only(body, hm.start()), hint)
        for sm in re.finditer(r"(?<![\w$>:])([A-Z][\w\\]*)::(\w+)\s*\(", body):
            if sm.group(1) in ("self", "static", "parent"):
                continue
            target = reader.cls(cls.resolve(sm.group(1)))
            if target is not None and sm.group(2) in target.methods:
                visit(target, target.methods[sm.group(2)], depth + 1, (), html or _html_only(body, sm.start()))
        for nm in re.finditer(r"new\s+([\w\\]+Bundle)\s*\(", body):
            target = reader.cls(cls.resolve(nm.group(1)))
            if target is not None and "toArray" in target.methods:
                visit(target, target.methods["toArray"], depth + 1, (), html or _html_only(body, nm.start()))

    visit(c, c.methods[action], 0)
    uniq: dict[str, dict[str, Any]] = {}
    for r in out:
        uniq.setdefault(json.dumps([r["transformer"], r["includes"], r["key"], r["file"], r["line"]]), r)
    return list(uniq.values()), sorted(set(problems))


def _constructor_args(expr: str, body: str) -> str | None:
    """The arguments of ``new XTransformer(...)`` in ``expr`` (or where ``$var`` was assigned one)."""
    vm = re.fullmatch(r"\$(\w+)", expr.strip())
    if vm:
        am = re.search(rf"\${vm.group(1)}\s*=\s*\(?\s*new\s+[\w\\]+Transformer\s*\(", body)
        if am is None:
            return None
        expr = body[am.start() + am.group(0).index("new"):]
    m = re.match(r"\(?\s*new\s+[\w\\]+Transformer\s*\(", expr)
    if m is None:
        return None
    end = match_bracket(expr, m.end() - 1)
    return " ".join(expr[m.end():end - 1].split()) or None


_API_TEST = r"(?:is_(?:api|json)_request\(\)|\$is(?:Api|Json)(?:Request)?)"


def _enclosing_keys(body: str, offset: int) -> list[str]:
    """Keys of the PHP arrays enclosing ``offset`` (``$ret['user_score'] = ['score' => …]`` gives ``user_score``)."""
    stack: list[int] = []
    for i, c in _code(body, 0, offset):
        if c in "([{":
            stack.append(i)
        elif c in ")]}" and stack:
            stack.pop()
    keys = []
    for pos in stack:
        if body[pos] != "[":
            continue
        before = body[max(0, pos - 80):pos]
        km = re.search(r"['\"](\w+)['\"]\s*=>\s*$", before) or re.search(r"\$\w+\[\s*'(\w+)'\s*\]\s*=\s*$", before)
        if km:
            keys.append(km.group(1))
    return keys


def _html_only(body: str, offset: int) -> bool:
    """Whether the call at ``offset`` is on the HTML branch of an action (after an API branch that returned,
    or inside ``if (!is_api_request())``)."""
    for m in re.finditer(r"\bif\s*\(", body):
        cond_end = match_bracket(body, m.end() - 1)
        cond = body[m.end():cond_end - 1]
        brace = body.find("{", cond_end)
        if brace < 0 or body[cond_end:brace].strip():
            continue
        end = match_bracket(body, brace)
        if re.fullmatch(rf"\s*!\s*{_API_TEST}\s*", cond) and brace < offset < end:
            return True
        if re.fullmatch(rf"\s*{_API_TEST}\s*", cond) and offset > end and re.search(r"\breturn\b", body[brace:end]):
            return True
    return False


def _inside_if(body: str, offset: int) -> bool:
    for m in re.finditer(r"\bif\s*\(", body):
        cond_end = match_bracket(body, m.end() - 1)
        brace = body.find("{", cond_end)
        if brace < 0 or body[cond_end:brace].strip():
            continue
        if brace < offset < match_bracket(body, brace):
            return True
    return False


def _version_condition(body: str, offset: int) -> str | None:
    """``">= 20241022"`` when the call at ``offset`` sits in (or after a returning) ``if (api_version() ...)`` block."""
    negate = {">=": "<", "<": ">=", ">": "<=", "<=": ">"}
    for m in re.finditer(r"if\s*\(", body):
        cond_end = match_bracket(body, m.end() - 1)
        vm = re.search(r"api_version\(\)\s*(>=|<|>|<=)\s*(\d{8})", body[m.end():cond_end])
        if vm is None:
            continue
        brace = body.find("{", cond_end)
        if brace < 0:
            continue
        end = match_bracket(body, brace)
        if brace < offset < end:
            return f"{vm.group(1)} {vm.group(2)}"
        if offset > end and re.search(r"\breturn\b", body[brace:end]):
            return f"{negate[vm.group(1)]} {vm.group(2)}"
    return None


def _static_mappings(body: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in re.finditer(r"static\s+\$(\w+)\s*=\s*\[", body):
        end = match_bracket(body, m.end() - 1)
        vals = []
        for _, item in split_top(body[m.end():end - 1]):
            _k, sep, v = item.partition("=>")
            s = php_string(v) if sep else None
            if s is not None:
                vals.append(s)
        out[m.group(1)] = vals
    return out


def _narrow_switch(body: str, cases: tuple[str, ...]) -> str:
    """The method body with only the ``case`` blocks named in ``cases`` kept (all when empty)."""
    if not cases:
        return body
    m = re.search(r"switch\s*\(\s*\$\w+\s*\)\s*\{", body)
    if m is None:
        return body
    end = match_bracket(body, m.end() - 1)
    block = body[m.end():end - 1]
    labels = list(re.finditer(r"case\s+'(\w+)'\s*:", block))
    kept = []
    for i, lm in enumerate(labels):
        if lm.group(1) not in cases:
            continue
        j = i
        while True:
            seg_end = labels[j + 1].start() if j + 1 < len(labels) else len(block)
            seg = block[labels[j].end():seg_end]
            if seg.strip() or j + 1 >= len(labels):
                break
            j += 1
        kept.append(seg)
    return body[:m.start()] + "\n".join(kept) + body[end:]


def _norm_includes(includes: list[str]) -> list[str]:
    out = []
    for inc in includes:
        # "target:ruleset(osu)" -> "target"; "statistics_rulesets.{$ruleset}" keeps the literal part
        parts = [p.split(":", 1)[0] for p in inc.split(".")]
        parts = [p for p in parts if p and "{" not in p and "$" not in p]
        if parts:
            out.append(".".join(parts))
    return sorted(set(out))


def _transformer_vars(c: PhpClass, body: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for am in re.finditer(r"\$(\w+)\s*=\s*\(?\s*new\s+([\w\\]+Transformer)\b", body):
        key = transformer_key(c.resolve(am.group(2)))
        if key:
            out.setdefault(am.group(1), []).append(key)
    return out


def _transformer_of(c: PhpClass, arg: str, variables: dict[str, list[str]]) -> list[str]:
    m = re.match(r"\(?\s*new\s+([\w\\]+Transformer)\b", arg)
    if m:
        key = transformer_key(c.resolve(m.group(1)))
        return [key] if key else []
    s = php_string(arg)
    if s is not None:
        return [s.replace("\\", "/")]
    if re.match(r"new\s+static\b", arg) and transformer_key(c.resolve(c.name)):
        return [str(transformer_key(c.resolve(c.name)))]
    m = re.match(r"\(?\s*([\w\\]+Transformer)::\w+\(", arg)
    if m:
        key = transformer_key(c.resolve(m.group(1)))
        return [key] if key else []
    m = re.fullmatch(r"\$(\w+)", arg.strip())
    if m and m.group(1) in variables:
        return sorted(set(variables[m.group(1)]))
    return []


def _include_vars(reader: Reader, c: PhpClass, body: str, where: str) -> dict[str, list[str]]:
    env: dict[str, list[str]] = {}
    for am in re.finditer(r"\$(\w+)\s*=(?![=>])\s*", body):
        name = am.group(1)
        i = am.end()
        j = statement_end(body, i)
        got = reader.strings(body[i:j], c, where, env, quiet=True)
        if got is not None:
            env.setdefault(name, [])
            env[name] = sorted(set(env[name]) | set(got))
    for am in re.finditer(r"\$(\w+)\[\]\s*=\s*([^;]+);", body):
        if am.group(1) in env:
            got = reader.strings(am.group(2), c, where, env, quiet=True)
            if got:
                env[am.group(1)] = sorted(set(env[am.group(1)]) | set(got))
    return env


def api_version_checks(snap: Snapshot) -> list[dict[str, Any]]:
    out = []
    for name in snap.files():
        if not (name.startswith("app/") and name.endswith(".php")):
            continue
        text = snap.read(name) or ""
        if "api_version()" not in text and "apiVersion" not in text:
            continue
        for i, line in enumerate(text.splitlines(), 1):
            m = re.search(r"(?:api_version\(\)|\$apiVersion)\s*(>=|<|>|<=|===|==)\s*(\d{8})", line)
            if m:
                out.append({"file": name, "line": i, "op": m.group(1), "version": int(m.group(2)), "code": line.strip()})
    return sorted(out, key=lambda r: (r["version"], r["file"], r["line"]))


# --- building the table ------------------------------------------------------------------------

def build(snap: Snapshot, third_party: set[tuple[str, str]] | None = None, api_routes_file: Path | None = None,
          ) -> dict[str, Any]:
    """The shape table of ``snap``; routes and scopes from its ``tests/api_routes.json`` (or ``api_routes_file``)."""
    reader = Reader(snap)
    routes_text = snap.read("tests/api_routes.json")
    if routes_text is None and api_routes_file is not None and api_routes_file.is_file():
        routes_text = api_routes_file.read_text()
    if routes_text is None:
        raise UsageError("tests/api_routes.json not found in the snapshot (give --api-routes)")
    api_routes = json.loads(routes_text)
    transformers: dict[str, Any] = {}
    for name in snap.files():
        if name.startswith("app/Transformers/") and name.endswith("Transformer.php") and not name.endswith("TransformerAbstract.php"):
            key = name[len("app/Transformers/"):-len("Transformer.php")]
            reader.transformer(key, transformers)
    raw_ts = ts_interfaces(snap)
    for key, entry in transformers.items():
        ts_name = TS_FOR_TRANSFORMER.get(key) or (key.rsplit("/", 1)[-1] + "Json")
        flat = ts_flatten(raw_ts, ts_name)
        if flat is None:
            continue
        entry["ts"] = {"name": ts_name, "file": raw_ts[ts_name]["file"],
                       "fields": {k: {"optional": v["optional"], "nullable": v["nullable"]} for k, v in sorted(flat.items())}}
        names = set(entry["attributes"]) | set(entry["includes"])
        entry["ts"]["not_in_php"] = sorted(k for k in flat if k not in names)
        entry["ts"]["not_in_ts"] = sorted(k for k in entry["attributes"] if k not in flat and not k.startswith("..."))
    routes = []
    for r in api_routes:
        methods = "|".join(m for m in r["methods"] if m != "HEAD")
        scopes = r.get("scopes") or []
        is_third_party = (third_party is None and bool(set(scopes) & THIRD_PARTY_SCOPES) and "lazer" not in scopes) or (
            third_party is not None and (methods, r["uri"]) in third_party)
        route: dict[str, Any] = {"method": methods, "uri": r["uri"], "scopes": scopes, "controller": r["controller"],
                                 "third_party": is_third_party}
        if is_third_party:
            responses, problems = controller_responses(reader, r["controller"], r["uri"])
            route["responses"] = responses
            if problems:
                route["unresolved"] = problems
            for resp in responses:
                if resp["transformer"] not in transformers:
                    reader.transformer(resp["transformer"], transformers)
        routes.append(route)
    return {
        "osu_web_commit": snap.commit(),
        "generated_by": "scripts/osu_web_shapes.py",
        "routes": routes,
        "transformers": dict(sorted(transformers.items())),
        "api_versions": api_version_checks(snap),
        "exceptions": reader.exceptions,
    }


def _third_party_from_tsv(path: Path) -> set[tuple[str, str]] | None:
    if not path.is_file():
        return None
    rows = path.read_text().splitlines()[1:]
    return {(line.split("\t")[0], line.split("\t")[1]) for line in rows if line.strip()}


# --- resolving a route's shape (used by the CI check and the drift report) -----------------------

def include_tree(includes: list[str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for inc in includes:
        node = tree
        for part in inc.split("."):
            node = node.setdefault(part, {})
    return tree


def shape_fields(table: dict[str, Any], transformer: str, includes: dict[str, Any], *, oauth: bool = True,
                 path: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(json path, field, facts) for every field ``transformer`` returns with ``includes`` (a tree)."""
    entry = table["transformers"].get(transformer)
    if entry is None:
        return
    for name, facts in entry["attributes"].items():
        if name.startswith("..."):
            continue
        yield path, name, {"transformer": transformer, "kind": "attribute", **facts}
    wanted = dict(includes)
    for d in entry["default_includes"]:
        wanted.setdefault(d, {})
    for name, sub in sorted(wanted.items()):
        if oauth and entry["permissions"].get(name) == "IsNotOAuth":
            continue
        inc = entry["includes"].get(name)
        if inc is None:
            continue
        yield path, name, {"transformer": transformer, "kind": "include", **inc}
        t = inc.get("transformer")
        if t:
            yield from shape_fields(table, t, sub, oauth=oauth, path=f"{path}.{name}" if path else name)


# --- drift report ---------------------------------------------------------------------------------

def diff(old: dict[str, Any], new: dict[str, Any], known_fields: dict[str, set[str]] | None = None) -> list[str]:
    """Lines naming each new/removed route, scope change and new/removed field from ``old`` to ``new``."""
    lines: list[str] = []
    o_routes = {(r["method"], r["uri"]): r for r in old["routes"]}
    n_routes = {(r["method"], r["uri"]): r for r in new["routes"]}
    for key in sorted(n_routes.keys() - o_routes.keys()):
        r = n_routes[key]
        lines.append(f"new route: {key[0]} {key[1]} scopes={','.join(r['scopes'])}"
                     + (" (third-party)" if r.get("third_party") else ""))
    for key in sorted(o_routes.keys() - n_routes.keys()):
        lines.append(f"removed route: {key[0]} {key[1]}")
    for key in sorted(o_routes.keys() & n_routes.keys()):
        a, b = o_routes[key], n_routes[key]
        if sorted(a["scopes"]) != sorted(b["scopes"]):
            lines.append(f"scope change: {key[0]} {key[1]}: {','.join(a['scopes'])} -> {','.join(b['scopes'])}")
    ot, nt = old["transformers"], new["transformers"]
    for t in sorted(nt.keys() - ot.keys()):
        lines.append(f"new transformer: {t}")
    for t in sorted(ot.keys() - nt.keys()):
        lines.append(f"removed transformer: {t}")
    for t in sorted(ot.keys() & nt.keys()):
        a_names = set(ot[t]["attributes"]) | set(ot[t]["includes"])
        b_names = set(nt[t]["attributes"]) | set(nt[t]["includes"])
        for f in sorted(b_names - a_names):
            kind = "attribute" if f in nt[t]["attributes"] else "include"
            note = ""
            if known_fields is not None and t in known_fields:
                note = " (osukit models it)" if f in known_fields[t] else " (not in osukit's models)"
            lines.append(f"new field: {t}.{f} ({kind}){note}")
        for f in sorted(a_names - b_names):
            note = ""
            if known_fields is not None and t in known_fields and f in known_fields[t]:
                note = " (osukit still models it)"
            lines.append(f"removed field: {t}.{f}{note}")
    ov = {(v["file"], v["version"], v["op"]) for v in old.get("api_versions", [])}
    for v in new.get("api_versions", []):
        if (v["file"], v["version"], v["op"]) not in ov:
            lines.append(f"new x-api-version check: {v['op']} {v['version']} at {v['file']}:{v['line']}")
    return lines


def _known_fields(table: dict[str, Any]) -> dict[str, set[str]] | None:
    """Fields osukit's models type for each transformer (via tests/shapes' model map), if importable."""
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO))
    try:
        from tests.shapes.model_map import model_fields_by_transformer
    except ImportError:
        return None
    result: dict[str, set[str]] = model_fields_by_transformer(table)
    return result


def _model_gaps(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What the newer table's third-party routes return that osukit's models do not type (new since ``old``)."""
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO))
    try:
        from tests.shapes.model_map import check_models
    except ImportError:
        return []
    before = {str(f) for f in check_models(old)}
    return [f"osukit model gap: {f}" for f in check_models(new) if str(f) not in before]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the exit code (0, 1 drift found, 2 usage or input error)."""
    try:
        return _main(argv)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except subprocess.CalledProcessError as exc:
        print(f"error: git failed ({' '.join(map(str, exc.cmd[:4]))} ...): {(exc.stderr or '').strip()}",
              file=sys.stderr)
        return EXIT_USAGE


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="exit codes: 0 built / no drift; 1 drift found (diff); 2 usage or input error",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the shape table of an osu-web snapshot")
    b.add_argument("snapshot", nargs="?", help="an osu-web checkout (plain directory)")
    b.add_argument("--git-dir", help="an osu-web git directory, read at --rev")
    b.add_argument("--rev", default="HEAD", help="the commit to read from --git-dir (default HEAD)")
    b.add_argument("--out", default=str(DEFAULT_TABLE))
    b.add_argument("--third-party", default=str(REPO.parent / "shared" / "routes-third-party.tsv"),
                   help="routes-third-party.tsv (methods, uri, scope); scopes decide when it is missing")
    b.add_argument("--api-routes", default=str(REPO.parent / "shared" / "osu-web" / "api_routes.json"),
                   help="api_routes.json to use when the snapshot has no tests/api_routes.json")
    d = sub.add_parser("diff", help="report drift of a newer osu-web snapshot against the committed table")
    d.add_argument("snapshot", nargs="?", help="the newer osu-web checkout, or a table JSON written by build")
    d.add_argument("--git-dir", help="the newer osu-web git directory")
    d.add_argument("--rev", default="HEAD", help="the commit to read from --git-dir (default HEAD)")
    d.add_argument("--table", default=str(DEFAULT_TABLE), help="the table osukit knows (default: the committed one)")
    args = parser.parse_args(argv)
    if args.command == "build":
        if not args.snapshot and not args.git_dir:
            parser.error("give a snapshot directory or --git-dir")
        snap = _checked_snapshot(args.git_dir or args.snapshot, git_dir=bool(args.git_dir), rev=args.rev)
        table = build(snap, _third_party_from_tsv(Path(args.third_party)), Path(args.api_routes))
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(table, indent=1, sort_keys=False) + "\n")
        n_routes = sum(1 for r in table["routes"] if r["third_party"])
        print(f"{out}: osu-web {table['osu_web_commit']}, {len(table['transformers'])} transformers, "
              f"{n_routes} third-party routes, {len(table['exceptions'])} unresolved")
        return 0
    old = _read_table(args.table, "--table")
    target = args.git_dir or args.snapshot
    if not target:
        parser.error("give the newer snapshot (directory or table JSON) or --git-dir")
    if not args.git_dir and target.endswith(".json"):
        new = _read_table(target, "snapshot table")
    else:
        new = build(_checked_snapshot(target, git_dir=bool(args.git_dir), rev=args.rev),
                    {(r["method"], r["uri"]) for r in old["routes"] if r["third_party"]})
    lines = diff(old, new, _known_fields(old)) + _model_gaps(old, new)
    print(f"osu-web {old.get('osu_web_commit')} -> {new.get('osu_web_commit')}: {len(lines)} changes")
    for line in lines:
        print(line)
    return EXIT_DRIFT if lines else 0


if __name__ == "__main__":
    raise SystemExit(main())
