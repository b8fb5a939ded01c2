"""The derivation of your own loss (SPEC §11): ∂ℓ/∂z for the current label,
by SymPy, written in p = σ(z) where it can be, as MathML and as plain text.

SymPy is given an expression this module builds node by node from a loss
that explorer.ownloss has already checked: no text ever reaches sympify,
parse_expr or lambdify (they execute code). Work is bounded: the
simplification is factor(cancel(·)) on small results only, and a result
too large to read is reported as such rather than printed. Imports SymPy
when first called (the page loads it on first use, never at boot).
"""
from __future__ import annotations

import math
import re
import sys
import time
from contextlib import contextmanager
from fractions import Fraction

from .ownloss import Loss

SIMPLIFY_MAX_OPS = 80   # factor(cancel(·)) only below this size: it is what keeps typing responsive
SHOW_MAX_OPS = 120      # beyond this, "too long to show" (a formula that long does not read)
EXACT_DENOMINATOR = 100  # 0.25 stays 1/4 for the algebra; 0.1234567 stays a float
# Exact constants are what SymPy computes with arbitrary precision, so they
# are kept small: a constant part of the loss stays exact only while its
# value (numerator and denominator) is below EXACT_MAX, and a power of
# constants is computed exactly only for an integer exponent of at most
# EXACT_EXPONENT_MAX (9**9**9 would otherwise be computed digit by digit).
# Any other constant part becomes a float, computed here first: one that
# overflows is "too large to derive here". And factor(cancel(·)) expands
# powers: it runs only when every numeric exponent is at most
# SIMPLIFY_EXPONENT_MAX ((p + 1)**999999 is shown as differentiated).
EXACT_MAX = 10 ** 6
# And whatever the bounds miss, a derivation is stopped once it has run for
# BUDGET_S: SymPy is pure Python, so a profile hook can end it from inside
# (checked every CHECK_EVERY calls; the check itself costs a few percent),
# and its worker lives on. What it cannot end (one long step in C) the page
# ends by terminating the derivation's worker (assets/app/derive.js).
BUDGET_S = 2.0
CHECK_EVERY = 64
EXACT_EXPONENT_MAX = 64
SIMPLIFY_EXPONENT_MAX = 16

# What SymPy's presentation printer may write; anything else is not shown.
# (Text one character at a time: a repeated `[^<>&]+` would backtrack exponentially on a failing match.)
_MATHML_OK = re.compile(r"^(?:<(/?)(math|mrow|mi|mn|mo|msup|msub|msubsup|mfrac|msqrt|mroot|mtext|mspace|mfenced)"
                        r"(?: [a-z]+=\"[^\"<>&]*\")*\s*/?>|&(?:[A-Za-z]+|#x[0-9A-Fa-f]+|#[0-9]+);|[^<>&])*$")


class TooLong(ValueError):
    pass


class TooLarge(TooLong):
    """A constant part of the loss is not a finite float: there is nothing SymPy could show."""


class TooSlow(TooLong):
    """The derivation ran past its time budget and was stopped."""


@contextmanager
def _deadline(seconds: float | None):
    """Raise TooSlow inside whatever runs in the block once `seconds` have passed."""
    if seconds is None:
        yield
        return
    end = time.perf_counter() + seconds
    calls = 0

    def check(frame, event, arg):
        nonlocal calls
        calls += 1
        if calls % CHECK_EVERY == 0 and time.perf_counter() > end:
            raise TooSlow(f"it takes SymPy more than {seconds:g} s, too slow to derive here")

    outer = sys.getprofile()
    sys.setprofile(check)
    try:
        yield
    finally:
        sys.setprofile(outer)


def _number(sp, v: float):
    """Small integers and simple fractions exact (for the algebra); any other constant a float."""
    f = Fraction(v).limit_denominator(EXACT_DENOMINATOR)
    if float(f) == v and abs(f.numerator) < 10 ** 6:
        return sp.Rational(f.numerator, f.denominator)
    return sp.Float(v)


_SIGMA = []


def _sigma():
    """σ as a SymPy function whose derivative is σ(1 − σ): derivatives then stay in p = σ(z)."""
    if not _SIGMA:
        import sympy as sp

        class sigma(sp.Function):  # noqa: N801 (printed as its name: σ)
            def fdiff(self, argindex=1):
                s = sigma(self.args[0])
                return s * (1 - s)

        _SIGMA.append(sigma)
    return _SIGMA[0]


def _fold(sp, op, args: list, consts: list):
    """A constant operation's (SymPy value, float value): exact while small and cheap, else a float.

    Raises TooLarge when its float value is not finite (an overflow, log of 0 ...)."""
    try:
        c = _float_op(op, consts)
    except (OverflowError, ZeroDivisionError, ValueError):
        c = math.nan
    if not math.isfinite(c):
        raise TooLarge(f"{op.text or 'a constant'} is too large or undefined to derive here")
    exact = all(a.is_Rational or a in (sp.E, sp.pi) for a in args) and abs(c) < EXACT_MAX
    if exact and op.kind == "bin" and op.which == "**":
        b = args[1]
        exact = b.is_Integer and abs(int(b)) <= EXACT_EXPONENT_MAX and not (args[0] == 0 and b < 0)
    if not exact:
        return sp.Float(c), c
    v = _build(sp, op, args, None)
    if v.is_Rational and (abs(v.p) >= EXACT_MAX or v.q >= EXACT_MAX):
        return sp.Float(c), c
    return v, c


def _float_op(op, a: list) -> float:
    """The operation on floats, as Python computes it (OverflowError and the like propagate)."""
    if op.kind == "neg":
        return -a[0]
    if op.kind == "bin":
        x, w = a
        if op.which == "**":
            r = x ** w
            if isinstance(r, complex):
                raise ValueError("complex")
            return float(r)
        return {"+": lambda: x + w, "-": lambda: x - w, "*": lambda: x * w, "/": lambda: x / w}[op.which]()
    f, x = op.which, a[0]
    if f in ("max", "min"):
        return max(a) if f == "max" else min(a)
    if f == "sigmoid":
        return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
    if f == "softplus":
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    return {"log": math.log, "exp": math.exp, "sqrt": math.sqrt, "abs": abs, "log1p": math.log1p,
            "expm1": math.expm1, "tanh": math.tanh}[f](x)


def _build(sp, op, a: list, funcs):
    if op.kind == "neg":
        return -a[0]
    if op.kind == "bin":
        x, w = a
        return {"+": lambda: x + w, "-": lambda: x - w, "*": lambda: x * w, "/": lambda: x / w,
                "**": lambda: x ** w}[op.which]()
    return (funcs or _functions(sp))[op.which](*a)


def _functions(sp) -> dict:
    sig = _sigma()
    return {"log": sp.log, "exp": sp.exp, "sqrt": sp.sqrt, "abs": sp.Abs, "log1p": lambda a: sp.log(1 + a),
            "expm1": lambda a: sp.exp(a) - 1, "tanh": sp.tanh, "sigmoid": sig,
            "softplus": lambda a: sp.log(1 + sp.exp(a)), "max": sp.Max, "min": sp.Min}


def expression(loss: Loss, y: int):
    """The loss as a SymPy expression in z for label y, built from the checked operations.

    Constant parts are folded as _fold says (small ones exact, others floats);
    raises TooLarge for a constant part that is not a finite float."""
    import sympy as sp
    z = sp.Symbol("z", real=True)
    funcs = _functions(sp)
    names = {"z": (z, None), "y": (sp.Integer(y), float(y)), "p": (_sigma()(z), None), "e": (sp.E, math.e),
             "pi": (sp.pi, math.pi)}
    vals: list = []  # per operation: (SymPy value, its float when constant else None)
    for op in loss.ops:
        a = [vals[i] for i in op.args]
        if op.kind == "num":
            vals.append((_number(sp, op.value), op.value))
        elif op.kind == "name":
            vals.append(names[op.which])
        elif all(c is not None for _, c in a):
            vals.append(_fold(sp, op, [v for v, _ in a], [c for _, c in a]))
        else:
            vals.append((_build(sp, op, [v for v, _ in a], funcs), None))
    return z, vals[-1][0]


def _simplifiable(sp, d) -> bool:
    """Small enough for factor(cancel(·)), and no numeric exponent that expanding would blow up."""
    if sp.count_ops(d) > SIMPLIFY_MAX_OPS:
        return False
    return all(not e.is_Number or abs(float(e)) <= SIMPLIFY_EXPONENT_MAX for _, e in (q.args for q in d.atoms(sp.Pow)))


def derivative(loss: Loss, y: int, budget_s: float | None = BUDGET_S) -> tuple[str, str]:
    """(SymPy's plain text of ∂ℓ/∂z, its presentation MathML), in p where it can be.

    Raises TooLong when the result is too large to read, TooSlow (a TooLong)
    when it takes longer than budget_s seconds (None: no limit)."""
    with _deadline(budget_s):
        return _derivative(loss, y)


def warm_up() -> None:
    """One derivation with no time limit: SymPy's first one imports and caches
    much more than later ones (seconds in the browser), which no loss should be charged for."""
    from .ownloss import parse
    derivative(parse("-(y*log(p) + (1-y)*log(1-p)) + (p - y)**2"), 1, budget_s=None)


def _derivative(loss: Loss, y: int) -> tuple[str, str]:
    import sympy as sp
    z, expr = expression(loss, y)
    if sp.count_ops(expr) > SHOW_MAX_OPS:
        raise TooLong("the loss is too long to differentiate here")
    d = sp.diff(expr, z)
    p = sp.Symbol("p", positive=True)
    # σ(z) = p, e^(−z) = (1 − p)/p and e^z = p/(1 − p): the derivative in p wherever it can be
    d = d.subs(_sigma()(z), p).subs(sp.exp(-z), (1 - p) / p).subs(sp.exp(z), p / (1 - p))
    if _simplifiable(sp, d):
        d = sp.factor(sp.cancel(d))
    if sp.count_ops(d) > SHOW_MAX_OPS:
        raise TooLong("the derivative is too long to show")
    return sp.sstr(d).replace("sigma", "σ"), mathml(d)


_ATTR = re.compile(r'([a-z]+)="([^"]*)"')


def unfence(body: str) -> str:
    """Every <mfenced> (SymPy 1.13's, which a fork on the CDN loads; not in MathML Core, so
    browsers need not draw its brackets) as an <mrow> of <mo> brackets around its children,
    with its separators between them. A flat scan with a stack: no recursion, any depth."""
    out, stack = [], []  # stack: per open element, None or its fence [close, separators, children]
    for tok in re.findall(r"<[^>]+>|[^<]+", body):
        if not tok.startswith("<"):
            out.append(tok)
            continue
        closing, selfclosing = tok.startswith("</"), tok.endswith("/>")
        name = re.match(r"</?([a-z]+)", tok).group(1)
        if closing:
            fence = stack.pop()
            out.append(f"<mo>{fence[0]}</mo></mrow>" if fence else tok)
            continue
        if stack and stack[-1]:  # a child of a fence: a separator before all but the first
            fence = stack[-1]
            if fence[2] and fence[1]:
                out.append(f"<mo>{fence[1][min(fence[2], len(fence[1])) - 1]}</mo>")
            fence[2] += 1
        if name == "mfenced":
            attrs = dict(_ATTR.findall(tok))
            out.append(f"<mrow><mo>{attrs.get('open', '(')}</mo>")
            fence = [attrs.get("close", ")"), "".join(attrs.get("separators", ",").split()), 0]
            if selfclosing:
                out.append(f"<mo>{fence[0]}</mo></mrow>")
            else:
                stack.append(fence)
            continue
        out.append(tok)
        if not selfclosing:
            stack.append(None)
    return "".join(out)


def typesettable(markup: str) -> bool:
    """Whether `markup` is made only of the MathML elements and entities this page writes
    (checked where it is printed, in the derivation's worker, and again where it is shown)."""
    return _MATHML_OK.match(markup) is not None


def mathml(d) -> str:
    """∂ℓ/∂z = d as one <math> element, from SymPy's presentation printer (HTML-entity form)."""
    from sympy.printing.mathml import mathml as to_mathml
    body = to_mathml(d, printer="presentation").replace("<mi>sigma</mi>", "<mi>&sigma;</mi>")
    if not typesettable(body):
        raise TooLong("the derivative cannot be typeset")
    body = unfence(body)
    lhs = ("<mfrac><mrow><mo>&part;</mo><mi>&ell;</mi></mrow><mrow><mo>&part;</mo><mi>z</mi></mrow></mfrac>"
           "<mo>=</mo>")
    return f'<math display="block"><mrow>{lhs}{body}</mrow></math>'
