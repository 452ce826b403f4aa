"""A right implementation that goes through the features one at a time.

Written as a reader who builds the prediction column by column and takes each weight's
derivative on its own: y_hat = b + sum_j x_j w_j, dL/dw_j = mean(x_j * error). Every figure
agrees with the article's to rounding; the spec must pass it.
"""

import numpy as np


def initialize_params(dims):
    return np.zeros((dims, 1)), 0


def linear_loss(X, y, w, b):
    n, d = X.shape
    y_hat = np.full((n, 1), float(b))
    for j in range(d):
        y_hat += X[:, j : j + 1] * w[j, 0]
    error = y_hat - y
    loss = np.sum(error**2) / (2 * n)
    dw = np.zeros((d, 1))
    for j in range(d):
        dw[j, 0] = np.sum(X[:, j : j + 1] * error) / n
    db = np.sum(error) / n
    return y_hat, loss, dw, db


def linear_train(X, y, learning_rate=0.01, epochs=10000):
    loss_his = []
    w, b = initialize_params(X.shape[1])
    for epoch in range(1, epochs + 1):
        _, loss, dw, db = linear_loss(X, y, w, b)
        for j in range(w.shape[0]):
            w[j, 0] -= learning_rate * dw[j, 0]
        b -= learning_rate * db
        loss_his.append(loss)
        if epoch % 10000 == 0:
            print("epoch %d loss %f" % (epoch, loss))
    return loss_his, {"w": w, "b": b}, {"dw": dw, "db": db}


def predict(X, params):
    y_pred = np.full((X.shape[0], 1), float(params["b"]))
    for j in range(X.shape[1]):
        y_pred += X[:, j : j + 1] * params["w"][j, 0]
    return y_pred


def r2_score(y_test, y_pred):
    residual = np.sum((y_test - y_pred) ** 2)
    spread = np.sum((y_test - np.mean(y_test)) ** 2)
    return 1 - residual / spread
