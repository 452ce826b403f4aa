"""A right implementation that keeps its loss history as a list of plain Python floats.

float(loss) each epoch, parameters updated in place (the article's ``w += -learning_rate * dw``),
and ``math.fsum`` for R^2's sums. Every figure agrees with the article's to rounding; the spec
must pass it.
"""

import math

import numpy as np


def initialize_params(dims):
    return np.zeros((dims, 1)), 0.0


def linear_loss(X, y, w, b):
    n = len(X)
    y_hat = np.dot(X, w) + b
    error = y_hat - y
    loss = float(np.sum(error**2)) / (2 * n)
    dw = np.dot(X.T, error) / n
    db = float(np.sum(error)) / n
    return y_hat, loss, dw, db


def linear_train(X, y, learning_rate=0.01, epochs=10000):
    loss_his = []
    w, b = initialize_params(X.shape[1])
    for epoch in range(1, epochs + 1):
        _, loss, dw, db = linear_loss(X, y, w, b)
        w += -learning_rate * dw
        b += -learning_rate * db
        loss_his.append(float(loss))
        if epoch % 10000 == 0:
            print(f"Epoch {epoch}: loss = {loss:.4f}")
    return loss_his, {"w": w, "b": b}, {"dw": dw, "db": db}


def predict(X, params):
    return np.dot(X, params["w"]) + params["b"]


def r2_score(y_test, y_pred):
    targets = [float(v) for v in np.ravel(y_test)]
    predictions = [float(v) for v in np.ravel(y_pred)]
    mean = math.fsum(targets) / len(targets)
    residual = math.fsum((t - p) ** 2 for t, p in zip(targets, predictions, strict=True))
    spread = math.fsum((t - mean) ** 2 for t in targets)
    return 1 - residual / spread
