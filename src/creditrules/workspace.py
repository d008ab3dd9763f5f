"""The workspace: which folder a jurisdiction name means, what a pack is made of (its digest), and every cache.

Resolution (CONTRACT.md section 1). `resolve(name_or_path)` gives the pack folder, trying in order:

1. an explicit folder path: a folder that holds a `pack.yaml` (relative to the working directory, or absolute),
   given as a path (`./henan`, `/srv/packs/henan`, a `Path` object);
2. `$CREDITRULES_POLICIES/<name>`;
3. `./policies/<name>` under the current working directory;
4. the packs installed with the library: `<creditrules package>/policies` in a wheel install, the repository's
   `policies/` folder in an editable or source checkout;
5. for a plain name no root knows, a folder of that name in the working directory (so `-j mypack` works beside
   it). A plain name is never shadowed by such a folder: a planted `./henan/` does not replace Henan (issue 13).

Steps 2-4 are tried only for a plain name (no `/`, no `..`), so a name can never climb out of a root. The
environment and the working directory are read at each call, never remembered. An unknown name is a PackError
`unknown-jurisdiction` naming the jurisdictions known in every root (with a did-you-mean). `creditrules packs`
shows, for each name, the folder that wins and the ones it shadows.

Digest. `pack.digest` is `sha256:<hex>` over every input file of the pack, sorted by label, each fed as
`label NUL <size in bytes, decimal> NUL <bytes>` (the size makes the framing unambiguous: no two different sets
of files give the same byte stream). The inputs and their labels:

- the pack folder: `pack.yaml`, `ledger.yaml`, `rules/**/*.yaml`, every file under `source/` (law texts and
  article indexes), any file a document's `source:` names elsewhere in the folder, `vocabulary.yaml` and
  `vocabulary/*.yaml` (the pack's own vocabulary additions); labels are paths relative to the pack folder;
- each layer loaded with it (a folder beside it, named in the pack's `layers:` or by the call, whose pack.yaml says
  `supplements: [<pack id>]`; layers.py): the same files, labelled `../<layer folder>/...`; a sibling that
  supplements the pack without being named is not an input (it is not loaded);
- the calendar the pack is evaluated with (`calendar/*.yaml` beside the pack folder, else the installed
  `policies/calendar/`): labelled `../calendar/<file>`;
- the library's core vocabulary (`creditrules/vocabulary/core.yaml`): labelled `<creditrules>/vocabulary/<file>`.

Not inputs: `tests/` (test cases do not change a determination), `*.md` notes, hidden files (editor swap files).
A file under `source/` that is not a regular file, or larger than `load.MAX_SOURCE_BYTES`, is fed as its label
and `-` in place of the size, without its bytes (the loader refuses to read it anyway). The digest depends on the
content only, not on where the folder is: a copied pack has the same digest.

Caches. One `Workspace` owns every cache of the library (the process default is `default_workspace()`): loaded
packs (`LoadedPack`), compiled packs, prepared backends, the trace's words (engine/tracewords.py), vocabularies and
calendars, each an LRU of `cache_size` entries (16) keyed by
content digest (loaded and compiled packs by (folder, digest): `pack.source` differs between two copies of one
pack), never by id() or by mtime alone.

Staleness. Every call sees an edit to any input file -- a rule file changed, added or deleted, a layer added or
changed, a source text, a vocabulary file, a calendar file -- without a restart. To keep a call cheap the
workspace keeps, per pack folder (and set of layers a call names), a fingerprint of the last load: (path,
st_mtime_ns, st_size) of every input file, the pack's `vocabulary.yaml` and each named layer's `pack.yaml`
included, and st_mtime_ns of every folder whose listing decides the inputs (the pack folder, its `rules/` and
`source/` trees, the folder holding the packs: a named layer created later, the vocabulary and calendar folders).
A call stats these (22 `stat` calls for Henan); only when one differs are the inputs listed again and hashed, and
the pack is loaded again only when the digest differs. Edits within the
file system's timestamp granularity: when the fingerprint is unchanged but the newest mtime in it is less than 2
seconds from now, the inputs are hashed anyway (cheap insurance: it costs a few milliseconds, and only in the 2
seconds after an edit; an mtime more than 2 s in the future is not counted, since editing that file sets its mtime
to now, which the fingerprint sees). A pack is cached only if its fingerprint is the same after loading as before (an
edit during the load is never cached under the older digest).

Loading for evaluation does not parse `tests/`: `LoadedPack.pack.tests` is a `PackTests` sequence that reads the
test files the first time it is used (and again when they change).
"""
from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from . import model as m
from .errors import Diagnostic, PackError, Position, did_you_mean
from .timerules import WorkingDayCalendar, load_calendar
from .vocabulary import PACK_FILE as PACK_VOCABULARY
from .vocabulary import Vocabulary, library_files, pack_vocabulary

ENV = "CREDITRULES_POLICIES"
CACHE_SIZE = 16
RECENT_NS = 2_000_000_000          # an input this fresh is hashed even when its fingerprint is unchanged
PACKAGE_DIR = Path(__file__).resolve().parent
LIBRARY_VOCABULARY = PACKAGE_DIR / "vocabulary"

NameOrPath = Union[str, "os.PathLike[str]"]


def _compile(loaded: LoadedPack) -> Any:
    """THE compile step: a loaded pack -> its compiled form (the only place the workspace compiles).

    Today `compile.compile_pack` (a CompiledPack); the new engine's plan replaces it by
    `return plan.compile_plan(loaded)`."""
    from .plan.compile import compile_plan
    return compile_plan(loaded.pack, loaded.vocab, loaded.calendar, digest=loaded.digest, source=str(loaded.source))


@dataclass(frozen=True)
class LoadedPack:
    """A pack as evaluation needs it: validated, with the vocabulary and calendar it is evaluated with."""
    pack: m.Pack
    vocab: Vocabulary
    calendar: WorkingDayCalendar
    digest: str                     # sha256:<hex> over every input file (module docstring)
    source: Path                    # the folder loaded (symlinks resolved)
    files: tuple                    # every input file (Path), in digest order


@dataclass(frozen=True)
class PackLocation:
    """Where a jurisdiction name resolves: the winning folder and where it came from; the folders it shadows."""
    name: str
    folder: Path
    origin: str                     # path | env | cwd | installed
    shadowed: tuple = ()            # ((origin, folder), ...) further down the resolution order


def installed_root() -> Path:
    """The packs installed with the library: `<package>/policies` in a wheel, the checkout's `policies/` in an
    editable or source install."""
    if (PACKAGE_DIR / "policies").is_dir():
        return PACKAGE_DIR / "policies"
    checkout = PACKAGE_DIR.parent.parent
    if (checkout / "policies").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout / "policies"
    return PACKAGE_DIR / "policies"


def _plain_name(text: str) -> bool:
    return bool(text) and text not in (".", "..") and "/" not in text and "\\" not in text and os.sep not in text


# --- reading input files -----------------------------------------------------------------------------------------

def _read_regular(path: str) -> bytes | None:
    """A regular file's bytes (opened without blocking, checked on the descriptor); None when it is missing, not a
    regular file, or larger than the loader's limit."""
    from .load import MAX_SOURCE_BYTES
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SOURCE_BYTES:
            return None
        chunks: list[bytes] = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)


def _hash(files) -> str:
    """sha256 over (label, path) pairs, in the order given (the module docstring's framing)."""
    h = hashlib.sha256()
    for label, path in files:
        data = _read_regular(path)
        h.update(label.encode("utf-8") + b"\0" + (str(len(data)).encode() if data is not None else b"-") + b"\0")
        if data:
            h.update(data)
    return "sha256:" + h.hexdigest()


def _inside(path: str, folder: str) -> bool:
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _visible(name: str) -> bool:
    return not name.startswith(".") and not name.endswith("~")


@dataclass
class _Inputs:
    """What one pack folder is made of, and the fingerprint taken when it was listed."""
    folder: str                                   # the pack folder (symlinks resolved)
    files: tuple                                  # ((label, path, kind), ...) sorted by label;
    #                                               kind: pack | vocabulary | calendar
    layers: tuple                                 # layer folders, in load order
    vocab_folders: tuple                          # the pack folder and its layers' (whose vocabulary files count)
    calendar: str | None                          # the calendar folder used
    fp_files: tuple = ()                          # ((path, mtime_ns, size), ...)
    fp_dirs: tuple = ()                           # ((path, mtime_ns), ...)
    newest: int = 0                               # the newest mtime_ns in the fingerprint
    digest: str = ""
    extra_layers: tuple = ()                      # layers named by the call (beyond pack.yaml's `layers:`)

    def hashed(self, kinds=("pack", "vocabulary", "calendar")) -> str:
        return _hash((label, path) for label, path, kind in self.files if kind in kinds)


def _unchanged(inputs: _Inputs, now_ns: int | None = None) -> bool:
    """True when no fingerprinted file or folder changed, and the newest of them is more than 2 s from now."""
    st = os.stat
    try:
        for path, mtime, size in inputs.fp_files:
            s = st(path)
            if s.st_mtime_ns != mtime or s.st_size != size:
                return False
        for path, mtime in inputs.fp_dirs:
            if st(path).st_mtime_ns != mtime:
                return False
    except OSError:
        return False
    if now_ns is None:
        now_ns = time.time_ns()
    return abs(now_ns - inputs.newest) >= RECENT_NS


def _newest(fp_files, fp_dirs) -> int:
    """The newest mtime of a fingerprint, ignoring mtimes more than 2 s in the future (an edit would set such a
    file's mtime back to now, which the fingerprint sees; counting them would hash on every call)."""
    cutoff = time.time_ns() + RECENT_NS
    return max((x[1] for x in (*fp_files, *fp_dirs) if x[1] <= cutoff), default=0)


def _same_fingerprint(inputs: _Inputs) -> bool:
    return _unchanged(inputs, now_ns=inputs.newest + RECENT_NS)


def _calendar_folder(pack_folder: str | None) -> str | None:
    """The calendar a pack is evaluated with: `calendar/` beside the pack folder, else the installed one."""
    candidates = ([os.path.join(os.path.dirname(pack_folder), "calendar")] if pack_folder else []) + \
                 [str(installed_root() / "calendar")]
    return next((os.path.abspath(c) for c in candidates if os.path.isdir(c)), None)


def layer_names(named: Any, extra: Sequence[str] = ()) -> list[str]:
    """The layers to load: those `pack.yaml` names (`layers:`), then those a call adds, each once."""
    given = named if isinstance(named, list) else [named] if named else []
    out: list[str] = []
    for name in [*given, *extra]:
        if isinstance(name, str) and name not in out:
            out.append(name)
    return out


def _list_inputs(folder: str, extra_layers: Sequence[str] = ()) -> _Inputs:
    """List the input files of the pack in `folder` (its named layers, vocabulary and calendar too) and
    fingerprint them.

    pack.yaml files are stat'ed before they are read, so an edit made while listing is seen by the next call."""
    from .load import MAX_SOURCE_BYTES, source_problem
    from .yamlsource import load_yaml_file

    files: dict[str, tuple[str, str]] = {}
    dirs: set[str] = set()
    pre: dict[str, tuple[int, int]] = {}

    def read_pack_yaml(path: str) -> dict:
        try:
            s = os.stat(path)
            pre[path] = (s.st_mtime_ns, s.st_size)
            if not stat.S_ISREG(s.st_mode) or s.st_size > MAX_SOURCE_BYTES:
                return {}                       # never opened (a FIFO would block); the loader reports it
            doc, _ = load_yaml_file(Path(path))
        except (OSError, ValueError):
            return {}
        return doc.data if doc is not None and isinstance(doc.data, dict) else {}

    def add_tree(base: str, sub: str, prefix: str, keep) -> None:
        top = os.path.join(base, sub)
        if not os.path.isdir(top) or not _inside(top, base):
            return
        for here, subdirs, names in os.walk(top):
            subdirs[:] = sorted(d for d in subdirs if _visible(d))
            dirs.add(here)
            for name in names:
                path = os.path.join(here, name)
                if _visible(name) and keep(name) and (not os.path.islink(path) or _inside(path, base)):
                    files[prefix + os.path.relpath(path, base).replace(os.sep, "/")] = (path, "pack")

    def add_folder(base: str, prefix: str, data: dict) -> list[str]:
        dirs.add(base)
        files[prefix + "pack.yaml"] = (os.path.join(base, "pack.yaml"), "pack")
        if os.path.lexists(os.path.join(base, "ledger.yaml")):
            files[prefix + "ledger.yaml"] = (os.path.join(base, "ledger.yaml"), "pack")
        add_tree(base, "rules", prefix, lambda n: n.endswith(".yaml"))
        add_tree(base, "source", prefix, lambda n: not n.endswith(".md"))
        documents = data.get("documents")
        for doc in documents if isinstance(documents, list) else []:
            if isinstance(doc, dict) and "source" in doc and source_problem(Path(base), doc["source"]) is None:
                path = os.path.normpath(os.path.join(base, str(doc["source"])))
                files.setdefault(prefix + os.path.relpath(path, base).replace(os.sep, "/"), (path, "pack"))
                dirs.add(os.path.dirname(path))
        own = os.path.join(base, PACK_VOCABULARY)
        if os.path.lexists(own) and _inside(own, base):
            files[prefix + PACK_VOCABULARY] = (own, "vocabulary")
        vocab_dir = os.path.join(base, "vocabulary")
        if os.path.isdir(vocab_dir) and _inside(vocab_dir, base):
            dirs.add(vocab_dir)
            for name in sorted(os.listdir(vocab_dir)):
                if name.endswith(".yaml") and _visible(name):
                    files[f"{prefix}vocabulary/{name}"] = (os.path.join(vocab_dir, name), "vocabulary")
        return [base]

    data = read_pack_yaml(os.path.join(folder, "pack.yaml"))
    vocab_folders = add_folder(folder, "", data)
    parent = os.path.dirname(folder)
    dirs.add(parent)                            # a named layer's folder created later changes its mtime
    layers = []
    for name in layer_names(data.get("layers"), extra_layers):
        sibling = os.path.join(parent, name)
        if not _plain_name(name) or not os.path.isdir(sibling) or not _inside(sibling, parent):
            continue                            # the loader reports it (layer-missing, layer-outside)
        if not os.path.isfile(os.path.join(sibling, "pack.yaml")):
            dirs.add(sibling)                   # a pack.yaml created in it later changes its mtime
            continue
        layers.append(sibling)
        vocab_folders += add_folder(sibling, f"../{name}/", read_pack_yaml(os.path.join(sibling, "pack.yaml")))
    calendar = _calendar_folder(folder)
    if calendar:
        dirs.add(calendar)
        for name in sorted(os.listdir(calendar)):
            if name.endswith(".yaml") and _visible(name):
                files[f"../calendar/{name}"] = (os.path.join(calendar, name), "calendar")
    if LIBRARY_VOCABULARY.is_dir():
        dirs.add(str(LIBRARY_VOCABULARY))
        for lib in library_files():
            files[f"<creditrules>/vocabulary/{lib.name}"] = (str(lib), "vocabulary")

    fp_files = []
    for path in list(pre) + [p for p, _ in files.values() if p not in pre]:
        if path in pre:
            mtime, size = pre[path]
        else:
            try:
                s = os.stat(path)
            except OSError:
                continue
            mtime, size = s.st_mtime_ns, s.st_size
        fp_files.append((path, mtime, size))
    fp_dirs = []
    for path in sorted(dirs):
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            continue
        fp_dirs.append((path, mtime))
    ordered = tuple((label, path, kind) for label, (path, kind) in sorted(files.items()))
    return _Inputs(folder, ordered, tuple(layers), tuple(vocab_folders), calendar, tuple(fp_files), tuple(fp_dirs),
                   _newest(fp_files, fp_dirs), extra_layers=tuple(extra_layers))


# --- the pack's test cases, read when first used ------------------------------------------------------------------

class PackTests(Sequence):
    """The test cases of a pack and its layers (`tests/*.yaml`), read the first time they are used and again when
    a test file changes; a problem in a test file is a PackError raised then, not when the pack is loaded."""

    def __init__(self, directories):
        self._dirs = tuple(str(d) for d in directories)
        self._fingerprint = None
        self._cases: tuple = ()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:              # pickled (the disk cache) as where to read: no cases, no lock
        return {"_dirs": self._dirs}

    def __setstate__(self, state: dict) -> None:
        PackTests.__init__(self, state["_dirs"])

    def _stamp(self) -> tuple:
        out: list[tuple] = []
        for d in self._dirs:
            folder = os.path.join(d, "tests")
            try:
                out.append((folder, os.stat(folder).st_mtime_ns))
                for entry in os.scandir(folder):
                    if entry.name.endswith(".yaml"):
                        s = entry.stat()
                        out.append((entry.path, s.st_mtime_ns, s.st_size))
            except OSError:
                out.append((folder, None))
        return tuple(sorted(out, key=str))

    def cases(self) -> tuple:
        from .load import load_tests
        with self._lock:
            stamp = self._stamp()
            newest = _newest([x for x in stamp if x[1] is not None], ())
            if stamp != self._fingerprint or abs(time.time_ns() - newest) < RECENT_NS:
                self._cases = tuple(load_tests(Path(d) for d in self._dirs))
                self._fingerprint = stamp
            return self._cases

    def __len__(self) -> int:
        return len(self.cases())

    def __getitem__(self, index):
        return self.cases()[index]

    def __iter__(self):
        return iter(self.cases())

    def __repr__(self) -> str:
        return f"PackTests({', '.join(self._dirs)})"


# --- the workspace ------------------------------------------------------------------------------------------------

class _LRU(OrderedDict):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_fresh(self, key):
        value = OrderedDict.get(self, key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key, value):
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value


class Workspace:
    """Resolution, digests and every cache (module docstring). Thread-safe; `default_workspace()` is the process's."""

    def __init__(self, cache_size: int = CACHE_SIZE):
        self.cache_size = cache_size
        self._lock = threading.RLock()
        self._inputs = _LRU(4 * cache_size)            # resolved folder (absolute) -> _Inputs of the last listing
        self._loaded = _LRU(cache_size)                # (folder, digest) -> LoadedPack
        self._compiled = _LRU(cache_size)              # (folder, digest) -> compiled form
        self._prepared = _LRU(cache_size)              # (folder, digest, backend) -> (plan, prepared backend)
        self._vocabularies = _LRU(cache_size)          # vocabulary digest -> Vocabulary
        self._calendars = _LRU(cache_size)             # calendar folder -> _Inputs-like listing with its calendar
        self._words = _LRU(cache_size)                 # (folder, digest, lang) -> TraceWords (the trace's words)
        self._installed: Path | None = None

    # resolution -----------------------------------------------------------------------------------------------

    @property
    def installed(self) -> Path:
        if self._installed is None:
            self._installed = installed_root()
        return self._installed

    def roots(self) -> list[tuple[str, Path]]:
        """The folders a plain name is looked up in, in order: (origin, folder)."""
        env = os.environ.get(ENV)
        return ([("env", Path(env))] if env else []) + [("cwd", Path(os.getcwd()) / "policies"),
                                                        ("installed", self.installed)]

    def locate(self, name_or_path: NameOrPath) -> tuple[Path, str]:
        """(the pack folder, where it came from: path | env | cwd | installed); PackError when none."""
        text = os.fspath(name_or_path)
        # A plain name (`henan`) is a jurisdiction's name first: a folder of that name planted in the working
        # directory never shadows it (issue 13); `./henan` or a Path object is a path. A plain name no root knows
        # may still be a pack folder here.
        named = isinstance(name_or_path, str) and _plain_name(text)
        if not named and os.path.isfile(os.path.join(text, "pack.yaml")):
            return Path(os.path.abspath(text)), "path"
        if _plain_name(text):
            env = os.environ.get(ENV)
            roots: list[tuple[str, str | os.PathLike]] = [("env", env)] if env else []
            for origin, root in roots + [("cwd", "policies"), ("installed", self.installed)]:
                candidate = os.path.join(root, text)
                if os.path.isfile(os.path.join(candidate, "pack.yaml")):
                    return Path(os.path.abspath(candidate)), origin
        if named and os.path.isfile(os.path.join(text, "pack.yaml")):
            return Path(os.path.abspath(text)), "path"
        known = sorted({loc.name for loc in self.jurisdictions()})
        hint = " ".join(filter(None, [did_you_mean(text, known),
                                      "known: " + ", ".join(known) if known else "no packs found"]))
        raise PackError([Diagnostic("unknown-jurisdiction", f"no policy pack `{text}`", Position(), hint)])

    def resolve(self, name_or_path: NameOrPath) -> Path:
        """The pack folder a jurisdiction name or a folder path means (module docstring)."""
        return self.locate(name_or_path)[0]

    def jurisdictions(self) -> list[PackLocation]:
        """Every jurisdiction found in the roots (layers are not listed), by name, with the folder that wins."""
        from .load import supplemented
        found: dict[str, list[tuple[str, Path]]] = {}
        seen_roots: set[str] = set()
        for origin, root in self.roots():
            real = os.path.realpath(root)
            if real in seen_roots or not os.path.isdir(root):
                continue
            seen_roots.add(real)
            for pack_yaml in sorted(Path(root).glob("*/pack.yaml")):
                if pack_yaml.is_file() and not supplemented(pack_yaml.parent):
                    found.setdefault(pack_yaml.parent.name, []).append(
                        (origin, Path(os.path.abspath(pack_yaml.parent))))
        return [PackLocation(name, places[0][1], places[0][0], tuple(places[1:]))
                for name, places in sorted(found.items())]

    def pack_dirs(self) -> list[Path]:
        """The winning folder of every jurisdiction found, by name."""
        return [loc.folder for loc in self.jurisdictions()]

    # inputs and digest ----------------------------------------------------------------------------------------

    def _current_inputs(self, folder: Path, layers: Sequence[str] = ()) -> _Inputs:
        """The inputs of the pack in `folder` (with the layers a call names beyond pack.yaml's) with their digest:
        from the last listing when its fingerprint holds, else listed and hashed again."""
        key = (str(folder), tuple(layers))
        inputs = self._inputs.get_fresh(key)
        if inputs is not None and _unchanged(inputs):
            return inputs
        fresh = _list_inputs(os.path.realpath(folder), tuple(layers))
        fresh.digest = fresh.hashed()
        return self._inputs.put(key, fresh)

    def digest(self, name_or_path: NameOrPath, layers: Sequence[str] = ()) -> str:
        """The pack's content digest, `sha256:<hex>` (the pack is not loaded)."""
        folder = self.resolve(name_or_path)
        with self._lock:
            return self._current_inputs(folder, _call_layers(layers)).digest

    def files(self, name_or_path: NameOrPath, layers: Sequence[str] = ()) -> list[tuple[str, Path]]:
        """The pack's input files as (label, path), in digest order."""
        folder = self.resolve(name_or_path)
        with self._lock:
            return [(label, Path(path)) for label, path, _ in self._current_inputs(folder, _call_layers(layers)).files]

    # loading --------------------------------------------------------------------------------------------------

    def loaded(self, name_or_path: NameOrPath, layers: Sequence[str] = ()) -> LoadedPack:
        """The validated pack with its vocabulary, calendar, digest, folder and input files (PackError if invalid).

        `layers`: layer ids loaded beyond those pack.yaml names (`layers:`), each a folder beside the pack."""
        folder = self.resolve(name_or_path)
        layers = _call_layers(layers)
        with self._lock:
            inputs = self._current_inputs(folder, layers)
            key = (inputs.folder, inputs.digest)
            hit = self._loaded.get_fresh(key)
            if hit is not None:
                return hit
            loaded = _disk_cache_get(inputs) or self._load(inputs)
            if _same_fingerprint(inputs):          # nothing changed while loading: the digest describes what was read
                self._loaded.put(key, loaded)
                _disk_cache_put(inputs, loaded)
            else:
                self._inputs.pop((str(folder), layers), None)
            return loaded

    def _load(self, inputs: _Inputs) -> LoadedPack:
        from .load import load_pack_dir
        from .validate import validate_pack
        folder = Path(inputs.folder)
        pack = load_pack_dir(folder, with_tests=False, layers=inputs.extra_layers)
        vocab = self._vocabulary(inputs)
        report = validate_pack(pack, vocab)
        if not report.ok:
            raise PackError(report.errors)
        pack.tests = PackTests([folder, *inputs.layers])
        calendar = self.calendar(folder)
        return LoadedPack(pack, vocab, calendar, inputs.digest, folder, tuple(Path(p) for _, p, _ in inputs.files))

    def compiled(self, name_or_path: NameOrPath, layers: Sequence[str] = ()) -> Any:
        """The compiled form of the pack (`_compile`), compiled once per content."""
        loaded = self.loaded(name_or_path, layers)
        key = (str(loaded.source), loaded.digest)
        with self._lock:
            hit = self._compiled.get_fresh(key)
            if hit is None:
                hit = self._compiled.put(key, _compile(loaded))
            return hit

    def tests(self, name_or_path: NameOrPath) -> list[m.TestCase]:
        """The pack's test cases (and its layers'), read from `tests/*.yaml`."""
        return list(self.loaded(name_or_path).pack.tests)

    def _vocabulary(self, inputs: _Inputs) -> Vocabulary:
        """The library's core set plus the pack's own `vocabulary.yaml` (and `vocabulary/*.yaml`) and its layers'
        (`vocabulary.pack_vocabulary`: a name declared twice, or by a layer with another type, is a PackError)."""
        key = (inputs.vocab_folders, inputs.hashed(("vocabulary",)))
        hit = self._vocabularies.get_fresh(key)
        if hit is not None:
            return hit
        folders = inputs.vocab_folders
        return self._vocabularies.put(key, pack_vocabulary(folders[0] if folders else None, folders[1:]))

    def calendar(self, pack_directory: NameOrPath | None = None) -> WorkingDayCalendar:
        """The working-day calendar a pack folder is evaluated with (`calendar/` beside it, else the installed
        one), read again when a calendar file changes; an empty calendar when there is none."""
        folder = _calendar_folder(os.path.abspath(pack_directory) if pack_directory is not None else None)
        if folder is None:
            return WorkingDayCalendar()
        with self._lock:
            entry = self._calendars.get_fresh(folder)
            if entry is not None and _unchanged(entry[0]):
                return entry[1]
            listing = _calendar_listing(folder)
            listing.digest = listing.hashed()
            if entry is not None and entry[0].digest == listing.digest:
                self._calendars.put(folder, (listing, entry[1]))
                return entry[1]
            calendar = load_calendar(Path(folder))
            self._calendars.put(folder, (listing, calendar))
            return calendar

    def prepared(self, plan: Any, evaluator: str) -> Any:
        """A backend prepared for `plan` (backends.prepare), once per plan digest and backend: a durable_rules Host
        is built once per plan, never per call."""
        from . import backends
        backends.check_name(evaluator)
        key = (plan.source, plan.digest, evaluator)
        with self._lock:
            hit = self._prepared.get_fresh(key)
            if hit is None or hit[0] is not plan:
                hit = self._prepared.put(key, (plan, backends.prepare(plan, evaluator)))
            return hit[1]

    def trace_words(self, plan: Any, lang: str) -> Any:
        """The plan's trace words in `lang`, remembered across events (engine/tracewords.py), once per plan digest
        and language."""
        from .engine.tracewords import TraceWords
        key = (plan.source, plan.digest, lang)
        with self._lock:
            hit = self._words.get_fresh(key)
            if hit is None or hit.plan is not plan:
                hit = self._words.put(key, TraceWords(plan, lang))
            return hit

    def known(self) -> list[str]:
        """The jurisdiction names this workspace can resolve."""
        return sorted({loc.name for loc in self.jurisdictions()})

    def clear(self) -> None:
        """Forget every cache (the next call lists, hashes and loads again)."""
        with self._lock:
            for cache in (self._inputs, self._loaded, self._compiled, self._prepared, self._vocabularies,
                          self._calendars, self._words):
                cache.clear()
            self._installed = None


def _call_layers(layers: Sequence[str] | str | None) -> tuple[str, ...]:
    """The layers a call names: ids (plain names) of folders beside the pack, never paths (issue 13)."""
    if not layers:
        return ()
    names = (layers,) if isinstance(layers, str) else tuple(layers)
    bad = [n for n in names if not isinstance(n, str) or not _plain_name(n)]
    if bad:
        raise PackError([Diagnostic("layer-outside", f"layer `{bad[0]}` is not a layer id: a layer is named by its "
                                    "id, the name of a folder beside the pack, never by a path", Position())])
    return tuple(dict.fromkeys(names))


def _calendar_listing(folder: str) -> _Inputs:
    files, fp_files = [], []
    fp_dirs = ((folder, os.stat(folder).st_mtime_ns),)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".yaml") and _visible(name):
            path = os.path.join(folder, name)
            st = os.stat(path)
            files.append((name, path, "calendar"))
            fp_files.append((path, st.st_mtime_ns, st.st_size))
    return _Inputs(folder, tuple(files), (), (), folder, tuple(fp_files), fp_dirs, _newest(fp_files, fp_dirs))


_default: Workspace | None = None
_default_lock = threading.Lock()


def default_workspace() -> Workspace:
    """The process's workspace (what `packs.compiled_pack`, `api.evaluate` and the commands use)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Workspace()
    return _default


# --- the on-disk cache of validated packs --------------------------------------------------------------------
#
# A cold start (one `creditrules explain`) spends most of its pack time reading YAML and validating. The validated
# pack, its vocabulary and calendar are kept on disk, keyed by the pack's content digest AND a fingerprint of the
# creditrules code itself (every module's size and mtime), so an edit to a pack or to the engine is never served
# stale. Read only from a folder the user owns that nobody else can write to (it is a pickle); any problem reading
# it is a miss. `CREDITRULES_CACHE` names the folder (empty: no disk cache); default `$XDG_CACHE_HOME/creditrules`
# or `~/.cache/creditrules`.

_CODE_FINGERPRINT: str | None = None


def _code_fingerprint() -> str:
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        import sys
        h = hashlib.sha256(sys.version.encode())
        package = os.path.dirname(os.path.abspath(__file__))
        for root, dirs, files in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and d != "policies")
            for name in sorted(files):
                if name.endswith(".py"):
                    st = os.stat(os.path.join(root, name))
                    label = os.path.relpath(os.path.join(root, name), package)
                    h.update(f"{label}:{st.st_size}:{st.st_mtime_ns};".encode())
        _CODE_FINGERPRINT = h.hexdigest()[:16]
    return _CODE_FINGERPRINT


def _cache_folder() -> str | None:
    folder = os.environ.get("CREDITRULES_CACHE")
    if folder is not None:
        return folder or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "creditrules")


def _cache_file(inputs: _Inputs) -> str | None:
    folder = _cache_folder()
    if not folder or not inputs.digest:
        return None
    key = hashlib.sha256(f"{inputs.folder}\0{inputs.digest}\0{_code_fingerprint()}".encode()).hexdigest()[:32]
    return os.path.join(folder, f"pack-{key}.pickle")


def _safe_folder(folder: str) -> bool:
    try:
        st = os.stat(folder)
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    return stat.S_ISDIR(st.st_mode) and not st.st_mode & 0o022 and (getuid is None or st.st_uid == getuid())


def _disk_cache_get(inputs: _Inputs) -> LoadedPack | None:
    import pickle
    path = _cache_file(inputs)
    if path is None or not _safe_folder(os.path.dirname(path)):
        return None
    try:
        with open(path, "rb") as f:
            loaded = pickle.load(f)
    except Exception:                           # absent, truncated, from another version: a miss
        return None
    return loaded if isinstance(loaded, LoadedPack) and loaded.digest == inputs.digest else None


def _disk_cache_put(inputs: _Inputs, loaded: LoadedPack) -> None:
    import pickle
    import tempfile
    path = _cache_file(inputs)
    if path is None or os.path.exists(path):
        return
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not _safe_folder(folder):
            return
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".pack-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(loaded, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception:                           # a read-only home, a full disk, an unpicklable layer: no cache
        try:
            os.unlink(tmp)                      # type: ignore[possibly-undefined]
        except Exception:
            pass
