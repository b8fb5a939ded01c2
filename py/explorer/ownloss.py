"""Your own loss (SPEC §11): a loss ℓ(z, y) typed as a small Python expression,
checked against a fixed grammar, then evaluated with its exact derivative.

Text a learner typed, or a link carried, is data: it is never given to
eval, exec or compile, nor to SymPy's sympify, parse_expr or lambdify. Limits
are checked on the raw text before Python's parser sees it (the parser can
exhaust memory or recursion on hostile input); the tree it returns is
walked without recursion and turned into a flat list of operations of our
own, which explorer.owneval runs on numpy arrays as dual numbers. Constants
are floats. Pure Python, no browser imports.
"""
from __future__ import annotations

import ast
import functools
import math
from dataclasses import dataclass

MAX_CHARS = 200
MAX_NODES = 100
MAX_DEPTH = 30
NAMES = ("z", "y", "p", "e", "pi")
FUNCTIONS = {"log": 1, "exp": 1, "sqrt": 1, "abs": 1, "log1p": 1, "expm1": 1, "tanh": 1, "sigmoid": 1,
             "softplus": 1, "max": 2, "min": 2}
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
ALLOWED = ("Allowed: numbers, the names z (logit), y (label), p (= σ(z)), e and pi; + − * / ** and "
           "parentheses; log, exp, sqrt, abs, log1p, expm1, tanh, sigmoid, softplus of one argument; "
           "max and min of two.")
# Printable ASCII only: Python's parser folds full-width and other compatibility
# letters into ASCII names (NFKC), which would accept what the learner cannot see.
_CHARS = frozenset(chr(c) for c in range(0x20, 0x7F)) | {"\t"}

PRESETS = {
    "cross-entropy": "-(y*log(p) + (1-y)*log(1-p))",
    "MSE": "(p - y)**2",
    "focal loss (γ = 2, α = 0.25)": "-(0.25*y*(1-p)**2*log(p) + 0.75*(1-y)*p**2*log(1-p))",
    "exponential (AdaBoost)": "exp(-(2*y - 1)*z)",
    "hinge": "max(0, 1 - (2*y - 1)*z)",
    "label-smoothed cross-entropy (ε = 0.1)": "-((0.9*y + 0.05)*log(p) + (0.95 - 0.9*y)*log(1-p))",
    "cross-entropy after a second sigmoid (the bug)": "-(y*log(sigmoid(p)) + (1-y)*log(1-sigmoid(p)))",
}


class LossError(ValueError):
    """An expression outside the grammar or its limits; the message says what and lists what is allowed."""


@dataclass(frozen=True)
class Op:
    """One operation: kind "num" (value), "name" (which), "neg", "bin" (which: + − * / **),
    "call" (which function). args: indices of earlier operations. text: its piece of the source."""
    kind: str
    which: str = ""
    value: float = 0.0
    args: tuple[int, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Loss:
    text: str
    ops: tuple[Op, ...]


def _reject(what: str) -> LossError:
    return LossError(f"{what} is not allowed. {ALLOWED}")


def _check_text(text: str) -> str:
    t = text.replace("\u2212", "-").strip()
    if not t:
        raise LossError("Type a loss, for example (p - y)**2.")
    if len(t) > MAX_CHARS:
        raise LossError(f"The loss is {len(t):,} characters long; at most {MAX_CHARS} are allowed.")
    for ch in t:
        if ch not in _CHARS:
            shown = repr(ch) if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
            raise _reject(f"The character {shown}")
    depth = 0
    for ch in t:
        depth += ch == "("
        depth -= ch == ")"
        if depth > MAX_DEPTH:
            raise LossError(f"The loss nests parentheses more than {MAX_DEPTH} deep.")
        if depth < 0:
            raise LossError("A ')' has no matching '('.")
    if depth:
        raise LossError("A '(' is never closed.")
    return t


def _float(value, text: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _reject(f"The constant {text}")
    v = float(value) if not isinstance(value, int) or abs(value) < 10 ** 300 else math.inf
    if not math.isfinite(v):
        raise LossError(f"The number {text} is too large to be a float.")
    return v


def parse(text: str) -> Loss:
    """The checked loss, or LossError naming the offending piece."""
    if not isinstance(text, str):
        raise LossError(f"The loss must be text. {ALLOWED}")
    return _parse(text)


@functools.lru_cache(maxsize=32)  # a keystroke checks its text, then the state parses it again
def _parse(text: str) -> Loss:
    t = _check_text(text)
    try:
        tree = ast.parse(t, mode="eval")  # parsing only: nothing is compiled or run
    except SyntaxError as e:
        raise LossError(f"This is not a complete expression ({e.msg}). {ALLOWED}") from None
    except (RecursionError, MemoryError, ValueError):
        raise LossError("The loss is too deeply nested to read.") from None
    ops: list[Op] = []
    done: dict[int, int] = {}  # id(node) → index of its Op
    stack = [(tree.body, 1, False)]
    nodes = 0
    while stack:
        node, depth, expanded = stack.pop()
        if not expanded:
            nodes += 1
            if nodes > MAX_NODES:
                raise LossError(f"The loss has more than {MAX_NODES} parts; shorten it.")
            if depth > MAX_DEPTH:
                raise LossError(f"The loss nests more than {MAX_DEPTH} levels deep.")
            children = _children(node, t)
            stack.append((node, depth, True))
            stack.extend((c, depth + 1, False) for c in reversed(children))
            continue
        piece = ast.get_source_segment(t, node) or ""
        args = tuple(done[id(c)] for c in _children(node, t))
        if isinstance(node, ast.Constant):
            op = Op("num", value=_float(node.value, piece), text=piece)
        elif isinstance(node, ast.Name):
            op = Op("name", which=node.id, text=piece)
        elif isinstance(node, ast.UnaryOp):
            op = Op("neg", args=args, text=piece) if isinstance(node.op, ast.USub) else None
        elif isinstance(node, ast.BinOp):
            op = Op("bin", which=OPERATORS[type(node.op)], args=args, text=piece)
        else:  # a call, checked by _children
            op = Op("call", which=node.func.id, args=args, text=piece)
        if op is None:  # unary plus: the operand itself
            done[id(node)] = args[0]
            continue
        done[id(node)] = len(ops)
        ops.append(op)
    return Loss(t, tuple(ops))


def _children(node, text: str) -> list:
    """The operands of an allowed node; LossError for anything else, naming it."""
    piece = ast.get_source_segment(text, node) or type(node).__name__
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.Name):
        if node.id not in NAMES:
            raise _reject(f"The name {node.id!r}" + (" (a function needs parentheses)" if node.id in FUNCTIONS else ""))
        return []
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return [node.operand]
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        return [node.left, node.right]
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise _reject(f"Calling {ast.get_source_segment(text, node.func) or 'that'}")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise _reject(f"Keyword or starred arguments in {piece}")
        if len(node.args) != FUNCTIONS[name]:
            n = FUNCTIONS[name]
            raise LossError(f"{name} takes {n} argument{'s' if n > 1 else ''}, not {len(node.args)}. {ALLOWED}")
        return list(node.args)
    kinds = {ast.Attribute: "An attribute", ast.Subscript: "Indexing", ast.Compare: "A comparison",
             ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.Tuple: "A tuple", ast.List: "A list",
             ast.Set: "A set", ast.Dict: "A dict", ast.JoinedStr: "An f-string", ast.Lambda: "A lambda",
             ast.ListComp: "A comprehension", ast.SetComp: "A comprehension", ast.DictComp: "A comprehension",
             ast.GeneratorExp: "A comprehension", ast.NamedExpr: "An assignment", ast.Starred: "Unpacking",
             ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
             ast.BinOp: "That operator", ast.UnaryOp: "That operator"}
    what = next((v for k, v in kinds.items() if isinstance(node, k)), type(node).__name__)
    raise _reject(f"{what} ({piece})")


def accepts(text: str) -> bool:
    """Whether `text` is a loss of the grammar ("" means none, also accepted)."""
    if text == "":
        return True
    try:
        parse(text)
    except LossError:
        return False
    return True
