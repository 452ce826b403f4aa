"""A reader's implementation the spec cannot judge: it has no predict (its author called it forecast).

The spec refuses it before running anything, in one line that names what is missing.
"""

import numpy as np


def initialize_params(dims):
    return np.zeros((dims, 1)), 0


def linear_loss(X, y, w, b):
    n = X.shape[0]
    error = X.dot(w) + b - y
    return X.dot(w) + b, (error**2).sum() / (2 * n), X.T.dot(error) / n, error.sum() / n


def linear_train(X, y, learning_rate=0.01, epochs=10000):
    w, b = initialize_params(X.shape[1])
    loss_his = []
    for _ in range(epochs):
        _, loss, dw, db = linear_loss(X, y, w, b)
        w, b = w - learning_rate * dw, b - learning_rate * db
        loss_his.append(loss)
    return loss_his, {"w": w, "b": b}, {"dw": dw, "db": db}


def forecast(X, params):
    return X.dot(params["w"]) + params["b"]


def r2_score(y_test, y_pred):
    return 1 - ((y_test - y_pred) ** 2).sum() / ((y_test - y_test.mean()) ** 2).sum()
