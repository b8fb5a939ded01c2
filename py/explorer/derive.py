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

import re
from fractions import Fraction

from .ownloss import Loss

SIMPLIFY_MAX_OPS = 80   # factor(cancel(·)) only below this size: it is what keeps typing responsive
SHOW_MAX_OPS = 120      # beyond this, "too long to show" (a formula that long does not read)
EXACT_DENOMINATOR = 100  # 0.25 stays 1/4 for the algebra; 0.1234567 stays a float

# What SymPy's presentation printer may write; anything else is not shown.
_MATHML_OK = re.compile(r"^(?:<(/?)(math|mrow|mi|mn|mo|msup|msub|msubsup|mfrac|msqrt|mroot|mtext|mspace|mfenced)"
                        r"(?: [a-z]+=\"[^\"<>&]*\")*\s*/?>|&(?:[A-Za-z]+|#x[0-9A-Fa-f]+|#[0-9]+);|[^<>&]+)*$")


class TooLong(ValueError):
    pass


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


def expression(loss: Loss, y: int):
    """The loss as a SymPy expression in z for label y, built from the checked operations."""
    import sympy as sp
    z = sp.Symbol("z", real=True)
    sig = _sigma()
    funcs = {"log": sp.log, "exp": sp.exp, "sqrt": sp.sqrt, "abs": sp.Abs, "log1p": lambda a: sp.log(1 + a),
             "expm1": lambda a: sp.exp(a) - 1, "tanh": sp.tanh, "sigmoid": sig,
             "softplus": lambda a: sp.log(1 + sp.exp(a)), "max": sp.Max, "min": sp.Min}
    names = {"z": z, "y": sp.Integer(y), "p": sig(z), "e": sp.E, "pi": sp.pi}
    vals: list = []
    for op in loss.ops:
        a = [vals[i] for i in op.args]
        if op.kind == "num":
            vals.append(_number(sp, op.value))
        elif op.kind == "name":
            vals.append(names[op.which])
        elif op.kind == "neg":
            vals.append(-a[0])
        elif op.kind == "bin":
            x, w = a
            vals.append({"+": lambda: x + w, "-": lambda: x - w, "*": lambda: x * w, "/": lambda: x / w,
                         "**": lambda: x ** w}[op.which]())
        else:
            vals.append(funcs[op.which](*a))
    return z, vals[-1]


def derivative(loss: Loss, y: int) -> tuple[str, str]:
    """(SymPy's plain text of ∂ℓ/∂z, its presentation MathML), in p where it can be.

    Raises TooLong when the result is too large to read."""
    import sympy as sp
    z, expr = expression(loss, y)
    if sp.count_ops(expr) > SHOW_MAX_OPS:
        raise TooLong("the loss is too long to differentiate here")
    d = sp.diff(expr, z)
    p = sp.Symbol("p", positive=True)
    # σ(z) = p, e^(−z) = (1 − p)/p and e^z = p/(1 − p): the derivative in p wherever it can be
    d = d.subs(_sigma()(z), p).subs(sp.exp(-z), (1 - p) / p).subs(sp.exp(z), p / (1 - p))
    if sp.count_ops(d) <= SIMPLIFY_MAX_OPS:
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


def mathml(d) -> str:
    """∂ℓ/∂z = d as one <math> element, from SymPy's presentation printer (HTML-entity form)."""
    from sympy.printing.mathml import mathml as to_mathml
    body = to_mathml(d, printer="presentation").replace("<mi>sigma</mi>", "<mi>&sigma;</mi>")
    if not _MATHML_OK.match(body):
        raise TooLong("the derivative cannot be typeset")
    body = unfence(body)
    lhs = ("<mfrac><mrow><mo>&part;</mo><mi>&ell;</mi></mrow><mrow><mo>&part;</mo><mi>z</mi></mrow></mfrac>"
           "<mo>=</mo>")
    return f'<math display="block"><mrow>{lhs}{body}</mrow></math>'
