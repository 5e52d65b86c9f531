#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Complex Hermitian SDPs on top of cvxopt (which solves real symmetric SDPs).

A Hermitian n x n matrix X is parametrised by n^2 real numbers (diagonal,
real and imaginary parts of the upper triangle); X >= 0 is imposed through
the real embedding [[Re X, -Im X], [Im X, Re X]] >= 0, which is PSD iff X is.
Every linear functional tr(C X) of a Hermitian C is then a real linear
function of those n^2 numbers.
"""
import numpy as np

try:
    import cvxopt
    from cvxopt import solvers
except ImportError as exc:  # pragma: no cover - Debian python3-cvxopt is a dependency
    raise ImportError("gnuradio.isac.design needs cvxopt (Debian: python3-cvxopt)") from exc

_BASIS_CACHE = {}


def herm_basis(n):
    """(n^2, n, n) array E with X = sum_i x_i E_i for every Hermitian X."""
    if n in _BASIS_CACHE:
        return _BASIS_CACHE[n]
    mats = []
    for i in range(n):
        e = np.zeros((n, n), complex)
        e[i, i] = 1.0
        mats.append(e)
    for i in range(n):
        for j in range(i + 1, n):
            e = np.zeros((n, n), complex)
            e[i, j] = e[j, i] = 1.0
            mats.append(e)
            e = np.zeros((n, n), complex)
            e[i, j] = 1j
            e[j, i] = -1j
            mats.append(e)
    basis = np.array(mats)
    _BASIS_CACHE[n] = basis
    return basis


def coef(C, n):
    """Real coefficients c with tr(C X) = c^T x for Hermitian C (n x n)."""
    basis = herm_basis(n)
    return np.real(np.einsum("ij,kji->k", np.asarray(C, complex), basis))


def embed(M):
    return np.block([[M.real, -M.imag], [M.imag, M.real]])


class HermitianSDP:
    """min c^T x  s.t.  G x <= h (linear rows), X_b(x) >= 0 for every block b.

    Blocks are Hermitian matrix variables of the given sizes, stacked in x.
    """

    def __init__(self, sizes):
        self.sizes = list(sizes)
        self.offsets = np.cumsum([0] + [s * s for s in self.sizes])
        self.nvar = int(self.offsets[-1])
        self.rows = []
        self.rhs = []
        self.c = np.zeros(self.nvar)

    def functional(self, block, C):
        """Row vector of tr(C X_block) over the full variable vector."""
        row = np.zeros(self.nvar)
        n = self.sizes[block]
        row[self.offsets[block]:self.offsets[block + 1]] = coef(C, n)
        return row

    def add_le(self, row, rhs):
        self.rows.append(np.asarray(row, float))
        self.rhs.append(float(rhs))

    def solve(self, tol=1e-9, max_iter=100):
        G_s, h_s = [], []
        for b, n in enumerate(self.sizes):
            basis = herm_basis(n)
            Gb = np.zeros(((2 * n) ** 2, self.nvar))
            for i in range(n * n):
                Gb[:, self.offsets[b] + i] = -embed(basis[i]).ravel(order="F")
            G_s.append(cvxopt.matrix(Gb))
            h_s.append(cvxopt.matrix(np.zeros((2 * n, 2 * n))))
        Gl = cvxopt.matrix(np.array(self.rows)) if self.rows else None
        hl = cvxopt.matrix(np.array(self.rhs)) if self.rows else None
        sol = None
        # cvxopt can hit an exact zero in its Nesterov-Todd scaling when asked
        # for more accuracy than the data allow; retry with looser tolerances
        for t in (tol, 1e2 * tol, 1e4 * tol):
            opts = {"show_progress": False, "abstol": t, "reltol": t,
                    "feastol": min(t, 1e-8), "maxiters": max_iter}
            try:
                sol = solvers.sdp(cvxopt.matrix(self.c), Gl=Gl, hl=hl, Gs=G_s,
                                  hs=h_s, options=opts)
            except ArithmeticError:
                sol = None
                continue
            if sol["x"] is not None:
                break
        if sol is None or sol["x"] is None:
            raise RuntimeError("cvxopt SDP failed")
        x = np.array(sol["x"]).ravel()
        mats = []
        for b, n in enumerate(self.sizes):
            X = np.tensordot(x[self.offsets[b]:self.offsets[b + 1]], herm_basis(n), axes=1)
            X = 0.5 * (X + X.conj().T)
            mats.append(X)
        return mats, sol["status"]


def psd_clip(X):
    """Nearest PSD matrix (negative eigenvalues of solver noise set to 0)."""
    w, V = np.linalg.eigh(0.5 * (X + X.conj().T))
    w = np.clip(w, 0.0, None)
    return (V * w) @ V.conj().T
