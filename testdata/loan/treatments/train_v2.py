"""Treatment V2: demographic-parity-constrained logistic regression.

Attribute 9 (personal status and sex) is no longer a feature; sex is used
only during training, in a penalty on the covariance between sex and the
model's score (Zafar et al., 2017): the decision boundary may not lean on
what correlates with sex. Decisions never look at sex, so the same applicant
gets the same answer whoever they are (Directive 2004/113/EC).
"""
import numpy as np
from scipy.optimize import minimize

PENALTY = 200.0  # weight of the squared sex-score covariance
RIDGE = 1e-3     # L2 on the weights, for a unique optimum


class FairModel:
    def __init__(self, seed: int):
        self.seed = seed
        self.columns = None
        self.w = None

    def _design(self, x):
        return np.hstack([np.ones((len(x), 1)), x[self.columns].to_numpy()])

    def fit(self, x, y, sensitive):
        self.columns = [c for c in x.columns if not c.startswith("personal_status_")]
        a = self._design(x)
        t = np.where(np.asarray(y) == 1, 1.0, -1.0)
        sc = np.asarray(sensitive, float) - np.mean(sensitive)
        n = len(t)

        def objective(w):
            z = a @ w
            m = t * z
            loss = np.mean(np.logaddexp(0.0, -m))
            cov = sc @ z / n
            value = loss + RIDGE * (w[1:] @ w[1:]) + PENALTY * cov * cov
            sig = -t / (1.0 + np.exp(m))
            grad = a.T @ sig / n + 2 * PENALTY * cov * (a.T @ sc) / n
            grad[1:] += 2 * RIDGE * w[1:]
            return value, grad

        w0 = np.zeros(a.shape[1])
        self.w = minimize(objective, w0, jac=True, method="L-BFGS-B", options={"maxiter": 5000}).x
        return self

    def predict(self, x):
        return (self._design(x) @ self.w > 0).astype(int)


def build_model(seed: int) -> FairModel:
    return FairModel(seed)
