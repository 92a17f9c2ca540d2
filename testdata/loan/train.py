"""Treatment V1: a plain logistic regression on every attribute, including
attribute 9 (personal status and sex). It reproduces the label gap and widens it."""
import numpy as np
from sklearn.linear_model import LogisticRegression


class PlainModel:
    def __init__(self, seed: int):
        self.lr = LogisticRegression(max_iter=2000, random_state=seed)

    def fit(self, x, y, sensitive):
        self.lr.fit(x.to_numpy(), y)
        return self

    def predict(self, x):
        return self.lr.predict(x.to_numpy()).astype(int)


def build_model(seed: int) -> PlainModel:
    return PlainModel(seed)
